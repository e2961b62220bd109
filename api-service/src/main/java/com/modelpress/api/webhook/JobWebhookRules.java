package com.modelpress.api.webhook;

import com.modelpress.api.job.InvalidCompressionRequestException.Violation;
import com.modelpress.api.job.JobWebhookPolicy;
import com.modelpress.api.security.Caller;
import com.modelpress.contracts.CompressionRequest;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * A job's own webhook is accepted when its URL passes the {@link WebhookRules}, its events are known, and the owner
 * has a signing secret to sign it with. Thread-safe.
 */
@Component
class JobWebhookRules implements JobWebhookPolicy {

    private final WebhookRules rules;
    private final SigningSecretRepository secrets;

    JobWebhookRules(WebhookRules rules, SigningSecretRepository secrets) {
        this.rules = rules;
        this.secrets = secrets;
    }

    /** Not transactional: the URL check may wait on DNS, which must not hold a database connection. */
    @Override
    public List<Violation> check(CompressionRequest.Webhook webhook, Caller caller) {
        List<Violation> violations = new ArrayList<>();
        rules.checkUrl("webhook.url", webhook.url(), violations);
        rules.events("webhook.events", webhook.events(), WebhookEvent.TERMINAL, violations);
        if (!secrets.existsById(caller.owner())) {
            violations.add(new Violation("webhook", ("owner '%s' has no webhook signing secret to sign it with; create "
                    + "one first with POST %s (shown once)").formatted(caller.owner(), WebhookController.SIGNING_SECRET)));
        }
        return violations;
    }
}
