package com.modelpress.api.outbox;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/** Runs the relay every {@link OutboxProperties#pollInterval()} after the previous pass ended. */
@Configuration(proxyBeanMethods = false)
class OutboxScheduling implements SchedulingConfigurer {

    private final OutboxRelay relay;
    private final OutboxProperties properties;

    OutboxScheduling(OutboxRelay relay, OutboxProperties properties) {
        this.relay = relay;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(relay::relay, properties.pollInterval());
    }
}
