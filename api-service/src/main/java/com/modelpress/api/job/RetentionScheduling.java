package com.modelpress.api.job;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/** Runs the retention sweep every {@link RetentionProperties#sweepInterval()} after the previous pass ended. */
@Configuration(proxyBeanMethods = false)
class RetentionScheduling implements SchedulingConfigurer {

    private final JobRetention retention;
    private final RetentionProperties properties;

    RetentionScheduling(JobRetention retention, RetentionProperties properties) {
        this.retention = retention;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(retention::sweep, properties.sweepInterval());
    }
}
