package com.modelpress.api.outbox;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param pollInterval   pause between relay passes over unpublished rows
 * @param batchSize      rows published per pass at most
 * @param confirmTimeout how long the relay waits for the broker's publisher confirm of one message
 * @param retention      how long published rows are kept (for audit) before they are deleted
 */
@ConfigurationProperties("modelpress.outbox")
record OutboxProperties(
        @DefaultValue("250ms") Duration pollInterval,
        @DefaultValue("100") int batchSize,
        @DefaultValue("10s") Duration confirmTimeout,
        @DefaultValue("7d") Duration retention) {
}
