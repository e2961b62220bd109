package com.modelpress.api.webhook;

import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The secret that signs the webhooks an owner's jobs ask for in their request. One per owner. Not thread-safe; one
 * instance per persistence context.
 */
@Entity
@Table(name = "webhook_signing_secrets")
class SigningSecret {

    @Id
    private String owner;

    @Embedded
    private RotatingSecret secret;

    @Column(nullable = false, updatable = false)
    private Instant createdAt;

    private Instant rotatedAt;

    @Version
    private long version;

    protected SigningSecret() {
    }

    SigningSecret(String owner) {
        this.owner = owner;
        this.secret = RotatingSecret.generate();
        this.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** @return the new secret, shown once */
    String rotate(Duration overlap) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        rotatedAt = now;
        return secret.rotate(overlap, now);
    }

    String owner() { return owner; }
    RotatingSecret secret() { return secret; }
    Instant createdAt() { return createdAt; }
    Instant rotatedAt() { return rotatedAt; }
}
