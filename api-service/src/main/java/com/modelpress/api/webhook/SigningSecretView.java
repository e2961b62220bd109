package com.modelpress.api.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * The owner's signing secret for per-job webhooks, as the API shows it.
 *
 * @param previousSecretExpiresAt nullable: until when the secret before the last rotation still signs
 * @param secret                  only in the answer that created or rotated it
 */
record SigningSecretView(String owner, Instant createdAt, Instant rotatedAt, Instant previousSecretExpiresAt,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {

    static SigningSecretView from(SigningSecret secret) {
        return new SigningSecretView(secret.owner(), secret.createdAt(), secret.rotatedAt(),
                secret.secret().previousExpiresAt(Instant.now()), null);
    }

    SigningSecretView withSecret(String shownOnce) {
        return new SigningSecretView(owner, createdAt, rotatedAt, previousSecretExpiresAt, shownOnce);
    }
}
