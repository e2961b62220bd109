package com.modelpress.api.webhook;

import com.modelpress.api.security.Caller;
import com.modelpress.api.web.ProblemResponses;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.util.List;
import java.util.UUID;

@RestController
@RequestMapping(WebhookController.BASE)
@Tag(name = "webhooks", description = "Signed webhooks (Standard Webhooks): subscriptions of the caller's owner, and "
        + "the signing secret of the webhooks jobs name in their request")
class WebhookController {

    static final String BASE = "/api/v1/webhooks";
    static final String SIGNING_SECRET = BASE + "/signing-secret";

    private final WebhookSubscriptions subscriptions;

    WebhookController(WebhookSubscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Subscribe a URL to the events of the caller's jobs",
            description = "Every event of the chosen types (job.succeeded, job.failed, job.cancelled, job.progress; "
                    + "default all) for every job of the caller's owner is POSTed to the URL, signed with the "
                    + "subscription's secret (webhook-id, webhook-timestamp, webhook-signature headers). The answer "
                    + "carries the secret ('whsec_…') in 'secret': the only time it is shown. The URL must be https "
                    + "and resolve to public addresses, unless the operator allows more.")
    @ApiResponse(responseCode = "201", description = "Subscribed; 'secret' holds the signing secret")
    @ProblemResponses({400, 415, 422})
    ResponseEntity<WebhookView> create(@RequestBody CreateWebhookRequest request, Caller caller) {
        WebhookView created = subscriptions.create(request, caller);
        return ResponseEntity.status(HttpStatus.CREATED).location(URI.create(BASE + "/" + created.id())).body(created);
    }

    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The caller's subscriptions (an admin's: everybody's), oldest first, without secrets")
    List<WebhookView> list(Caller caller) {
        return subscriptions.list(caller);
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "One subscription, without its secret",
            description = "404 for a subscription of another owner, as for one that does not exist.")
    @ProblemResponses({400, 404})
    WebhookView get(@PathVariable UUID id, Caller caller) {
        return subscriptions.get(id, caller);
    }

    @DeleteMapping(path = "/{id}")
    @Operation(summary = "Delete a subscription", description = "Its pending deliveries are given up; the delivery "
            + "log of each job keeps them.")
    @ApiResponse(responseCode = "204", description = "Deleted")
    @ProblemResponses({400, 404})
    ResponseEntity<Void> delete(@PathVariable UUID id, Caller caller) {
        subscriptions.delete(id, caller);
        return ResponseEntity.noContent().build();
    }

    @PostMapping(path = "/{id}/rotate-secret", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Give a subscription a new secret",
            description = "The answer carries the new secret once. For 'overlap' (default "
                    + "modelpress.webhooks.rotation-overlap, 24 h) every delivery is signed with both the new and the "
                    + "old secret, so the receiver can switch without dropping one.")
    @ProblemResponses({400, 404, 422})
    WebhookView rotate(@PathVariable UUID id, @RequestBody(required = false) RotateSecretRequest request, Caller caller) {
        return subscriptions.rotate(id, request, caller);
    }

    @GetMapping(path = "/signing-secret", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The caller's signing secret for per-job webhooks, without the secret itself")
    @ProblemResponses({404})
    SigningSecretView signingSecret(Caller caller) {
        return subscriptions.signingSecret(caller);
    }

    @PostMapping(path = "/signing-secret", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Create, or rotate, the signing secret of the caller's per-job webhooks",
            description = "A job that names a webhook in its request (\"webhook\": {\"url\": …}) is signed with its "
                    + "owner's signing secret; submitting one needs it to exist. The answer carries the secret once. "
                    + "Rotating keeps the old secret signing beside the new one for 'overlap'.")
    @ApiResponse(responseCode = "201", description = "Created; 'secret' holds it")
    @ApiResponse(responseCode = "200", description = "Rotated; 'secret' holds the new one")
    @ProblemResponses({400, 422})
    ResponseEntity<SigningSecretView> createOrRotateSigningSecret(
            @RequestBody(required = false) RotateSecretRequest request, Caller caller) {
        SigningSecretView secret = subscriptions.createOrRotateSigningSecret(request, caller);
        return ResponseEntity.status(secret.rotatedAt() == null ? HttpStatus.CREATED : HttpStatus.OK).body(secret);
    }
}
