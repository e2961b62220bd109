package com.modelpress.api.job;

/** An {@code after} value that is not a cursor this API returned. */
public final class InvalidCursorException extends RuntimeException {

    public InvalidCursorException(String cursor) {
        super("'%s' is not a valid page cursor; use the 'next' value of a previous page".formatted(cursor));
    }
}
