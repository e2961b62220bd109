package com.modelpress.api.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A subscription as the API shows it.
 *
 * @param previousSecretExpiresAt nullable: until when the secret before the last rotation still signs
 * @param disabledAt              nullable: the receiver answered 410 Gone then; nothing is sent since
 * @param secret                  only in the answer that created the subscription or rotated its secret
 */
record WebhookView(
        UUID id,
        String owner,
        String url,
        List<String> events,
        String description,
        Instant createdAt,
        Instant secretRotatedAt,
        Instant previousSecretExpiresAt,
        Instant disabledAt,
        String disabledReason,
        @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {

    static WebhookView from(WebhookSubscription subscription) {
        return new WebhookView(subscription.id(), subscription.owner(), subscription.url(),
                subscription.events().stream().map(WebhookEvent::type).toList(), subscription.description(),
                subscription.createdAt(), subscription.secretRotatedAt(),
                subscription.secret().previousExpiresAt(Instant.now()), subscription.disabledAt(),
                subscription.disabledReason(), null);
    }

    WebhookView withSecret(String shownOnce) {
        return new WebhookView(id, owner, url, events, description, createdAt, secretRotatedAt, previousSecretExpiresAt,
                disabledAt, disabledReason, shownOnce);
    }
}
