package com.modelpress.api.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One webhook delivery of a job, with its attempts.
 *
 * @param webhookId      the {@code webhook-id} header: the same on every attempt (receivers dedupe on it)
 * @param subscriptionId nullable: the job's own webhook (or a subscription deleted since)
 * @param status         {@code pending} (an attempt is due at {@code nextAttemptAt}), {@code delivered} or
 *                       {@code failed} (given up, see {@code lastError})
 * @param nextAttemptAt  nullable: none is due
 */
record WebhookDeliveryView(
        String webhookId,
        String eventType,
        String url,
        UUID subscriptionId,
        String status,
        int attempts,
        Instant createdAt,
        Instant nextAttemptAt,
        Instant finishedAt,
        String lastError,
        List<Attempt> attemptLog) {

    /**
     * @param statusCode nullable: no HTTP answer (refused address, connection failure, timeout)
     * @param latencyMs  from the start of the request to the answer (or the failure)
     * @param error      nullable: why the attempt failed without an answer
     */
    record Attempt(int attempt, Instant startedAt, Integer statusCode, long latencyMs, String error) {}
}
