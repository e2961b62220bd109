package com.modelpress.api.security;

/** A request to create an API key names an invalid owner, scope or name. */
public final class InvalidApiKeyRequestException extends RuntimeException {

    InvalidApiKeyRequestException(String field, String value, String expected) {
        super("'%s' = '%s' is invalid: %s".formatted(field, value, expected));
    }
}
