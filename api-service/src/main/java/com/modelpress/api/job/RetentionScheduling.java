package com.modelpress.api.job;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;

/** Runs the retention sweep every {@link RetentionProperties#sweepInterval()} after the previous pass ended. */
@Configuration(proxyBeanMethods = false)
class RetentionScheduling {

    @Bean
    SchedulingConfigurer retentionSweepSchedule(JobRetention retention, RetentionProperties properties) {
        return registrar -> registrar.addFixedDelayTask(retention::sweep, properties.sweepInterval());
    }
}
