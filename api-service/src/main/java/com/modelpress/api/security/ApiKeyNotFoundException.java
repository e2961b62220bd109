package com.modelpress.api.security;

/** No API key has this id. */
public final class ApiKeyNotFoundException extends RuntimeException {

    ApiKeyNotFoundException(String id) {
        super("API key %s does not exist".formatted(id));
    }
}
