package com.modelpress.api.outbox;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;

/** Runs the relay every {@link OutboxProperties#pollInterval()} after the previous pass ended. */
@Configuration(proxyBeanMethods = false)
class OutboxScheduling {

    @Bean
    SchedulingConfigurer outboxRelaySchedule(OutboxRelay relay, OutboxProperties properties) {
        return registrar -> registrar.addFixedDelayTask(relay::relay, properties.pollInterval());
    }
}
