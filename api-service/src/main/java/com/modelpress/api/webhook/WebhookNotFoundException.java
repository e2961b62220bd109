package com.modelpress.api.webhook;

import java.util.UUID;

/** No subscription has this id, or the caller may not see it (the same answer). */
public final class WebhookNotFoundException extends RuntimeException {

    WebhookNotFoundException(UUID id) {
        super("Webhook subscription %s does not exist".formatted(id));
    }
}
