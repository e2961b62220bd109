package com.modelpress.api.webhook;

/** The owner has no signing secret for per-job webhooks yet. */
public final class SigningSecretNotFoundException extends RuntimeException {

    SigningSecretNotFoundException(String owner) {
        super(("Owner '%s' has no webhook signing secret yet; create one with POST %s").formatted(owner,
                WebhookController.SIGNING_SECRET));
    }
}
