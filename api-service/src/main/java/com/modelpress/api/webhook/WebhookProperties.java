package com.modelpress.api.webhook;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.List;

/**
 * @param allowPlainHttp    accept {@code http://} URLs too (default: {@code https} only); {@code serve} turns it on
 * @param allowedNetworks   CIDR blocks (e.g. {@code 10.20.0.0/16}, {@code ::1/128}) whose addresses webhooks may reach
 *                          although they are private, loopback, link-local or otherwise special; empty by default
 * @param connectTimeout    to open the connection to the receiver
 * @param requestTimeout    for a whole attempt, from connect to the last byte read; then the attempt fails
 * @param maxResponseSize   bytes of a receiver's response read at most (the rest is not read)
 * @param pollInterval      how often the dispatcher looks for due deliveries (a committed change also wakes it)
 * @param concurrency       attempts in flight at once, per API instance
 * @param progressInterval  {@code job.progress} is sent at most once per this interval per job and receiver
 * @param rotationOverlap   default time during which a rotated-out secret still signs
 * @param maxRotationOverlap longest overlap a caller may ask for
 * @param retry             the retry schedule
 */
@ConfigurationProperties("modelpress.webhooks")
record WebhookProperties(
        @DefaultValue("false") boolean allowPlainHttp,
        @DefaultValue List<String> allowedNetworks,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("15s") Duration requestTimeout,
        @DefaultValue("64KB") DataSize maxResponseSize,
        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("4") int concurrency,
        @DefaultValue("30s") Duration progressInterval,
        @DefaultValue("24h") Duration rotationOverlap,
        @DefaultValue("7d") Duration maxRotationOverlap,
        @DefaultValue Retry retry) {

    WebhookProperties {
        if (concurrency < 1) {
            throw new IllegalArgumentException("modelpress.webhooks.concurrency must be at least 1, not " + concurrency);
        }
    }

    /**
     * The delay before attempt {@code n + 1} after {@code n} failed attempts is {@code initialDelay × multiplier^(n-1)},
     * at most {@code maxDelay}, spread by ± {@code jitter}; after {@code maxAttempts} failed attempts the delivery is
     * given up. The defaults: 5 s, 20 s, 80 s, 5 min, 21 min, 85 min, 5.7 h, 10 h, 10 h (10 attempts over about 28 h).
     *
     * @param jitter fraction of the delay, in [0, 1)
     */
    record Retry(
            @DefaultValue("5s") Duration initialDelay,
            @DefaultValue("4") double multiplier,
            @DefaultValue("10h") Duration maxDelay,
            @DefaultValue("10") int maxAttempts,
            @DefaultValue("0.2") double jitter) {

        Retry {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("modelpress.webhooks.retry.max-attempts must be at least 1");
            }
            if (!(jitter >= 0 && jitter < 1)) {
                throw new IllegalArgumentException("modelpress.webhooks.retry.jitter must be in [0, 1), not " + jitter);
            }
            if (!(multiplier >= 1)) {
                throw new IllegalArgumentException("modelpress.webhooks.retry.multiplier must be at least 1");
            }
        }
    }
}
