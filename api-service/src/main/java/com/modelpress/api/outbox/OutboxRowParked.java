package com.modelpress.api.outbox;

/**
 * Published (in the relay's transaction) when an outbox row is parked: its message will not reach the broker, so
 * whatever waits for it (a queued job) can be told.
 *
 * @param payload the message as JSON
 * @param reason  why it was parked
 */
public record OutboxRowParked(long rowId, OutboxKind kind, String payload, String reason) {
}
