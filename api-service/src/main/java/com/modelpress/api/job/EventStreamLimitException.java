package com.modelpress.api.job;

import java.time.Duration;

/**
 * An SSE stream of job events was refused: the caller's API key already has {@code modelpress.api.max-event-streams-per-key}
 * streams open ({@link #perKey()}, 429), or the API has {@code modelpress.api.max-event-streams} open in all (503).
 */
public final class EventStreamLimitException extends RuntimeException {

    private final boolean perKey;

    private EventStreamLimitException(String message, boolean perKey) {
        super(message);
        this.perKey = perKey;
    }

    static EventStreamLimitException perKey(String keyId, int open, int limit) {
        return new EventStreamLimitException(("API key %s has %d event streams open; at most %d are allowed at once "
                + "(modelpress.api.max-event-streams-per-key). Close one, or read GET /events without "
                + "Accept: text/event-stream").formatted(keyId, open, limit), true);
    }

    static EventStreamLimitException total(int open, int limit) {
        return new EventStreamLimitException(("The API has %d event streams open, as many as it serves at once "
                + "(modelpress.api.max-event-streams); try again later").formatted(open, limit), false);
    }

    /** True when the caller's key is at its own limit, false when the API is at its total. */
    public boolean perKey() {
        return perKey;
    }

    /** When to try again. */
    public Duration retryAfter() {
        return Duration.ofSeconds(perKey ? 30 : 10);
    }
}
