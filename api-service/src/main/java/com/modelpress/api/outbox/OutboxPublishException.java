package com.modelpress.api.outbox;

/** The broker did not confirm an outbox row; the row stays unpublished. */
final class OutboxPublishException extends Exception {

    /** Why: the broker is away (say nothing about the row), refused the row, or the row can never be sent. */
    enum Kind { BROKER_UNAVAILABLE, REFUSED, UNPUBLISHABLE }

    private final Kind kind;

    OutboxPublishException(long rowId, Kind kind, String reason) {
        super("outbox row %d: %s".formatted(rowId, reason));
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
