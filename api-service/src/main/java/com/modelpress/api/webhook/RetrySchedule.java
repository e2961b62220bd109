package com.modelpress.api.webhook;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * When to try a delivery again: exponential backoff with jitter ({@link WebhookProperties.Retry}), never sooner than a
 * receiver's {@code Retry-After} (capped at the longest delay). Immutable, thread-safe.
 */
final class RetrySchedule {

    private final WebhookProperties.Retry retry;
    private final DoubleSupplier random;

    /** @param random uniform in [0, 1) */
    RetrySchedule(WebhookProperties.Retry retry, DoubleSupplier random) {
        this.retry = retry;
        this.random = random;
    }

    /**
     * @param failedAttempts attempts made so far, all failed (at least 1)
     * @param retryAfter     nullable: the receiver's {@code Retry-After}
     * @return the wait before the next attempt, or empty when the delivery is given up
     */
    Optional<Duration> next(int failedAttempts, Duration retryAfter) {
        if (failedAttempts >= retry.maxAttempts()) {
            return Optional.empty();
        }
        double base = retry.initialDelay().toMillis() * Math.pow(retry.multiplier(), failedAttempts - 1);
        double capped = Math.min(base, retry.maxDelay().toMillis());
        double jittered = capped * (1 + retry.jitter() * (2 * random.getAsDouble() - 1));
        Duration delay = Duration.ofMillis(Math.round(jittered));
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter.compareTo(retry.maxDelay()) > 0 ? retry.maxDelay() : retryAfter;
        }
        return Optional.of(delay);
    }

    /** The un-jittered delays after each failed attempt, for documentation and the schedule's test. */
    java.util.List<Duration> nominal() {
        RetrySchedule steady = new RetrySchedule(retry, () -> 0.5);
        java.util.List<Duration> delays = new java.util.ArrayList<>();
        for (int failed = 1; failed < retry.maxAttempts(); failed++) {
            delays.add(steady.next(failed, null).orElseThrow());
        }
        return delays;
    }
}
