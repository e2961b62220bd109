package com.modelpress.api.job;

/** A part of a submit that the API reads into memory is larger than its limit; it was not read. */
public final class RequestPartTooLargeException extends RuntimeException {

    RequestPartTooLargeException(String part, long sizeBytes, long limitBytes, String property) {
        super("The '%s' part holds %s bytes, more than the limit of %d bytes (%s)".formatted(part,
                sizeBytes < 0 ? "more than " + limitBytes : Long.toString(sizeBytes), limitBytes, property));
    }
}
