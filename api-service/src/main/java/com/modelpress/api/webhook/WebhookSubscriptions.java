package com.modelpress.api.webhook;

import com.modelpress.api.job.InvalidCompressionRequestException.Violation;
import com.modelpress.api.security.Caller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Subscriptions and signing secrets, scoped like jobs: an owner sees and changes only its own (admins everybody's); a
 * subscription of another owner is reported missing. Secrets are shown once, when made. Thread-safe.
 */
@Component
class WebhookSubscriptions {

    private static final Logger log = LoggerFactory.getLogger(WebhookSubscriptions.class);

    private final WebhookSubscriptionRepository subscriptions;
    private final SigningSecretRepository signingSecrets;
    private final WebhookRules rules;
    private final WebhookProperties properties;
    private final JdbcClient jdbc;

    WebhookSubscriptions(WebhookSubscriptionRepository subscriptions, SigningSecretRepository signingSecrets,
                         WebhookRules rules, WebhookProperties properties, JdbcClient jdbc) {
        this.subscriptions = subscriptions;
        this.signingSecrets = signingSecrets;
        this.rules = rules;
        this.properties = properties;
        this.jdbc = jdbc;
    }

    /**
     * Not one transaction: the URL check may wait on DNS, which must not hold a database connection; the insert is
     * its own.
     *
     * @throws InvalidWebhookException listing every rule the request breaks
     */
    WebhookView create(CreateWebhookRequest request, Caller caller) {
        List<Violation> violations = new ArrayList<>();
        if (request == null) {
            throw new InvalidWebhookException(List.of(new Violation("url", "is required")));
        }
        rules.checkUrl("url", request.url(), violations);
        Set<WebhookEvent> events = rules.events("events", request.events(), EnumSet.allOf(WebhookEvent.class),
                violations).orElse(Set.of());
        if (request.description() != null && request.description().length() > WebhookRules.MAX_DESCRIPTION) {
            violations.add(new Violation("description", "may be at most %d characters".formatted(WebhookRules.MAX_DESCRIPTION)));
        }
        if (!violations.isEmpty()) {
            throw new InvalidWebhookException(violations);
        }
        String description = request.description() == null || request.description().isBlank() ? null
                : request.description().strip();
        WebhookSubscription subscription = subscriptions.saveAndFlush(
                new WebhookSubscription(UUID.randomUUID(), caller.owner(), request.url(), events, description));
        log.info("webhook subscription {} of owner {} created by {}: {}", subscription.id(), subscription.owner(),
                caller.keyId(), events);
        return WebhookView.from(subscription).withSecret(subscription.secret().current());
    }

    /** The caller's subscriptions (an admin's: everybody's), oldest first. */
    @Transactional(readOnly = true)
    List<WebhookView> list(Caller caller) {
        List<WebhookSubscription> found = caller.admin() ? subscriptions.findAllByOrderByCreatedAtAscIdAsc()
                : subscriptions.findByOwnerOrderByCreatedAtAscIdAsc(caller.owner());
        return found.stream().map(WebhookView::from).toList();
    }

    @Transactional(readOnly = true)
    WebhookView get(UUID id, Caller caller) {
        return WebhookView.from(find(id, caller));
    }

    /** Its pending deliveries are given up; its delivery log stays with the jobs. */
    @Transactional
    void delete(UUID id, Caller caller) {
        WebhookSubscription subscription = find(id, caller);
        jdbc.sql("""
                        update webhook_deliveries set status = 'FAILED', next_attempt_at = null, finished_at = now(),
                               last_error = 'the subscription was deleted'
                        where subscription_id = :id and status = 'PENDING'""")
                .param("id", id)
                .update();
        subscriptions.delete(subscription);
        log.info("webhook subscription {} of owner {} deleted by {}", id, subscription.owner(), caller.keyId());
    }

    /** @return the subscription with its new secret, shown once; the old one signs for the overlap */
    @Transactional
    WebhookView rotate(UUID id, RotateSecretRequest request, Caller caller) {
        Duration overlap = overlap(request);
        WebhookSubscription subscription = find(id, caller);
        String secret = subscription.rotateSecret(overlap);
        subscriptions.flush();
        log.info("secret of webhook subscription {} rotated by {}; the old one signs for {}", id, caller.keyId(), overlap);
        return WebhookView.from(subscription).withSecret(secret);
    }

    /** @throws SigningSecretNotFoundException when the caller's owner has none */
    @Transactional(readOnly = true)
    SigningSecretView signingSecret(Caller caller) {
        return signingSecrets.findById(caller.owner()).map(SigningSecretView::from)
                .orElseThrow(() -> new SigningSecretNotFoundException(caller.owner()));
    }

    /** Creates the owner's signing secret, or rotates it. @return it, with the new secret shown once */
    @Transactional
    SigningSecretView createOrRotateSigningSecret(RotateSecretRequest request, Caller caller) {
        Duration overlap = overlap(request);
        var existing = signingSecrets.findById(caller.owner());
        if (existing.isEmpty()) {
            SigningSecret created = signingSecrets.saveAndFlush(new SigningSecret(caller.owner()));
            log.info("webhook signing secret of owner {} created by {}", caller.owner(), caller.keyId());
            return SigningSecretView.from(created).withSecret(created.secret().current());
        }
        String secret = existing.get().rotate(overlap);
        signingSecrets.flush();
        log.info("webhook signing secret of owner {} rotated by {}; the old one signs for {}", caller.owner(),
                caller.keyId(), overlap);
        return SigningSecretView.from(existing.get()).withSecret(secret);
    }

    private Duration overlap(RotateSecretRequest request) {
        Duration overlap = request == null || request.overlap() == null ? properties.rotationOverlap() : request.overlap();
        if (overlap.isNegative() || overlap.compareTo(properties.maxRotationOverlap()) > 0) {
            throw new InvalidWebhookException(List.of(new Violation("overlap",
                    "must be between PT0S and %s (modelpress.webhooks.max-rotation-overlap), not %s"
                            .formatted(properties.maxRotationOverlap(), overlap))));
        }
        return overlap;
    }

    private WebhookSubscription find(UUID id, Caller caller) {
        return subscriptions.findById(id).filter(found -> caller.canSee(found.owner()))
                .orElseThrow(() -> new WebhookNotFoundException(id));
    }
}
