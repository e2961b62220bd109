package com.modelpress.api.webhook;

import com.modelpress.api.tracing.TraceContexts;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

import java.util.concurrent.ThreadLocalRandom;

@Configuration(proxyBeanMethods = false)
class WebhookConfiguration {

    private static final Logger log = LoggerFactory.getLogger(WebhookConfiguration.class);

    @Bean
    WebhookTargets webhookTargets(WebhookProperties properties) {
        if (properties.allowPlainHttp() || !properties.allowedNetworks().isEmpty()) {
            log.info("webhooks: plain http {}, allowed networks beside public addresses: {}",
                    properties.allowPlainHttp() ? "allowed" : "refused", properties.allowedNetworks());
        }
        return new WebhookTargets(new AddressPolicy(properties.allowedNetworks()), properties.allowPlainHttp());
    }

    @Bean
    WebhookRules webhookRules(WebhookTargets targets) {
        return new WebhookRules(targets);
    }

    @Bean
    WebhookHttp webhookHttp(WebhookTargets targets, WebhookProperties properties) {
        return new WebhookHttp(targets, properties.connectTimeout(), properties.requestTimeout(),
                properties.maxResponseSize().toBytes(), properties.concurrency());
    }

    @Bean
    WebhookDispatcher webhookDispatcher(JdbcClient jdbc, TransactionTemplate transactions, JsonMapper json,
                                        WebhookHttp http, TraceContexts traces, MeterRegistry meters,
                                        WebhookProperties properties) {
        RetrySchedule schedule = new RetrySchedule(properties.retry(), () -> ThreadLocalRandom.current().nextDouble());
        return new WebhookDispatcher(jdbc, transactions, json, http, schedule, traces, meters, properties);
    }

    /** Polls for due deliveries (retries, and rows other instances wrote) every {@code poll-interval}. */
    @Bean
    SchedulingConfigurer webhookPolling(WebhookDispatcher dispatcher, WebhookProperties properties) {
        return (ScheduledTaskRegistrar registrar) -> registrar.addFixedDelayTask(dispatcher::wake, properties.pollInterval());
    }
}
