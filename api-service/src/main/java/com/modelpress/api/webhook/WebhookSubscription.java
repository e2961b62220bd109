package com.modelpress.api.webhook;

import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * An owner's standing order: every event of the chosen types, for every job of the owner, goes to {@link #url()},
 * signed with the subscription's own secret. A receiver that answers {@code 410 Gone} disables it for good. Not
 * thread-safe; one instance per persistence context.
 */
@Entity
@Table(name = "webhook_subscriptions")
class WebhookSubscription {

    @Id
    private UUID id;

    @Column(nullable = false, updatable = false)
    private String owner;

    @Column(nullable = false)
    private String url;

    /** Event types, comma-separated. */
    @Column(nullable = false)
    private String events;

    private String description;

    @Embedded
    private RotatingSecret secret;

    @Column(nullable = false, updatable = false)
    private Instant createdAt;

    private Instant secretRotatedAt;
    private Instant disabledAt;
    private String disabledReason;

    @Version
    private long version;

    protected WebhookSubscription() {
    }

    WebhookSubscription(UUID id, String owner, String url, Set<WebhookEvent> events, String description) {
        this.id = id;
        this.owner = owner;
        this.url = url;
        this.events = events.stream().sorted().map(WebhookEvent::type).collect(Collectors.joining(","));
        this.description = description;
        this.secret = RotatingSecret.generate();
        this.createdAt = now();
    }

    /** @return the new secret, shown once */
    String rotateSecret(java.time.Duration overlap) {
        Instant now = now();
        secretRotatedAt = now;
        return secret.rotate(overlap, now);
    }

    /** Idempotent: the first reason stays. */
    void disable(String reason) {
        if (disabledAt == null) {
            disabledAt = now();
            disabledReason = reason;
        }
    }

    boolean wants(WebhookEvent event) {
        return disabledAt == null && events().contains(event);
    }

    Set<WebhookEvent> events() {
        Set<WebhookEvent> parsed = EnumSet.noneOf(WebhookEvent.class);
        Arrays.stream(events.split(",")).map(WebhookEvent::ofType).forEach(type -> type.ifPresent(parsed::add));
        return parsed;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    UUID id() { return id; }
    String owner() { return owner; }
    String url() { return url; }
    String description() { return description; }
    RotatingSecret secret() { return secret; }
    Instant createdAt() { return createdAt; }
    Instant secretRotatedAt() { return secretRotatedAt; }
    Instant disabledAt() { return disabledAt; }
    String disabledReason() { return disabledReason; }
}
