package com.modelpress.api.job;

/** The {@code request} part is not JSON of a compression request. */
public final class MalformedCompressionRequestException extends RuntimeException {

    MalformedCompressionRequestException(String detail) {
        super("The 'request' part is not a valid compression request: " + detail);
    }
}
