package com.modelpress.api.webhook;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A signing secret with rotation: after {@link #rotate} the previous secret signs too until the overlap ends, so a
 * receiver can switch to the new secret without dropping a delivery. Not thread-safe; part of its entity.
 */
@Embeddable
class RotatingSecret {

    @Column(name = "secret", nullable = false)
    private String current;

    @Column(name = "previous_secret")
    private String previous;

    @Column(name = "previous_secret_expires_at")
    private Instant previousExpiresAt;

    protected RotatingSecret() {
    }

    private RotatingSecret(String current) {
        this.current = current;
    }

    static RotatingSecret generate() {
        return new RotatingSecret(WebhookSecrets.generate());
    }

    /** @return the new secret; the one it replaces signs until {@code now + overlap} (zero: not at all) */
    String rotate(Duration overlap, Instant now) {
        previous = overlap.isZero() ? null : current;
        previousExpiresAt = overlap.isZero() ? null : now.plus(overlap);
        current = WebhookSecrets.generate();
        return current;
    }

    /** The secrets that sign at {@code now}: the current one, then the previous one while its overlap lasts. */
    List<String> signing(Instant now) {
        return previous != null && previousExpiresAt != null && now.isBefore(previousExpiresAt)
                ? List.of(current, previous) : List.of(current);
    }

    /** Nullable: no rotation is overlapping at {@code now}. */
    Instant previousExpiresAt(Instant now) {
        return previousExpiresAt != null && now.isBefore(previousExpiresAt) ? previousExpiresAt : null;
    }

    String current() {
        return current;
    }
}
