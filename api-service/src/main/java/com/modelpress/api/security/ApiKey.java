package com.modelpress.api.security;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An API key as stored: its public id, owner, scope and the SHA-256 of the whole key, never the key itself.
 * Revocation is final. Not thread-safe; one instance per persistence context.
 */
@Entity
@Table(name = "api_keys")
class ApiKey {

    @Id
    private String id;

    @Column(nullable = false)
    private String owner;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    private ApiKeyScope scope;

    /** Nullable: what the key is for, as its creator described it. */
    private String name;

    @Column(name = "key_sha256", nullable = false, columnDefinition = "bpchar(64)")
    private String keySha256;

    @Column(nullable = false)
    private String createdBy;

    @Column(nullable = false)
    private Instant createdAt;

    private Instant revokedAt;

    protected ApiKey() {
    }

    ApiKey(String id, String owner, ApiKeyScope scope, String name, String keySha256, String createdBy) {
        this.id = id;
        this.owner = owner;
        this.scope = scope;
        this.name = name;
        this.keySha256 = keySha256;
        this.createdBy = createdBy;
        this.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** Idempotent: a revoked key stays revoked at its first revocation time. */
    void revoke() {
        if (revokedAt == null) {
            revokedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        }
    }

    boolean revoked() {
        return revokedAt != null;
    }

    String id() { return id; }
    String owner() { return owner; }
    ApiKeyScope scope() { return scope; }
    String name() { return name; }
    String keySha256() { return keySha256; }
    String createdBy() { return createdBy; }
    Instant createdAt() { return createdAt; }
    Instant revokedAt() { return revokedAt; }
}
