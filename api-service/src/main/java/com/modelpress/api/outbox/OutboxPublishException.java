package com.modelpress.api.outbox;

/** The broker did not confirm an outbox row; the row stays unpublished. */
final class OutboxPublishException extends Exception {

    OutboxPublishException(long rowId, String reason) {
        super("outbox row %d: %s".formatted(rowId, reason));
    }
}
