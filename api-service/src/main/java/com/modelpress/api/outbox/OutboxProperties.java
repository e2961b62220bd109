package com.modelpress.api.outbox;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

/**
 * @param pollInterval   pause between relay passes over unpublished rows
 * @param batchSize      rows published per pass at most
 * @param confirmTimeout how long the relay waits for the broker's publisher confirm of one message
 * @param retention      how long published rows are kept (for audit) before they are deleted
 * @param maxAttempts    times the broker may refuse one row (nack, unroutable) before it is parked; an unreachable
 *                       broker or a confirm timeout does not count towards it
 * @param maxMessageSize a row larger than this is parked without being sent (RabbitMQ 4 refuses messages over 16 MiB
 *                       by default); the API's own messages are far smaller
 */
@ConfigurationProperties("modelpress.outbox")
record OutboxProperties(
        @DefaultValue("250ms") Duration pollInterval,
        @DefaultValue("100") int batchSize,
        @DefaultValue("10s") Duration confirmTimeout,
        @DefaultValue("7d") Duration retention,
        @DefaultValue("20") int maxAttempts,
        @DefaultValue("8MB") DataSize maxMessageSize) {

    OutboxProperties {
        if (maxAttempts < 1 || batchSize < 1) {
            throw new IllegalArgumentException("modelpress.outbox.max-attempts and batch-size must be at least 1");
        }
    }
}
