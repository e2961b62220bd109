package com.modelpress.api.security;

/** The endpoint needs an admin key and the caller used a user key. */
public final class AdminRequiredException extends RuntimeException {

    AdminRequiredException(String keyId) {
        super("This endpoint needs an admin key; key %s has the user scope".formatted(keyId));
    }
}
