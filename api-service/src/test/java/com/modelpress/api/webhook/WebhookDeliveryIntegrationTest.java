package com.modelpress.api.webhook;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.api.support.StandardWebhooksVerifier;
import com.modelpress.api.support.TestServices;
import com.modelpress.api.support.WebhookReceiver;
import com.modelpress.api.support.WebhookReceiver.Answer;
import com.modelpress.contracts.job.JobEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static com.modelpress.api.support.SimulatedWorker.progress;
import static com.modelpress.api.support.SimulatedWorker.started;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Webhooks end to end: the API's dispatcher posts to a real HTTP server in this JVM. */
class WebhookDeliveryIntegrationTest extends ApiIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private WebhookReceiver receiver;

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void aJobsOwnWebhookIsSignedAndCarriesTheJobViewAndTheEventType() {
        String secret = createSigningSecret(api);
        UUID id = submit(api, webhook(receiver.url("/hooks/job"), null));
        succeed(id);

        WebhookReceiver.Request request = receiver.awaitRequests(1, r -> true, WAIT).getFirst();
        assertThat(request.path()).isEqualTo("/hooks/job");
        assertThat(request.header("content-type")).startsWith("application/json");
        String webhookId = request.header("webhook-id");
        String timestamp = request.header("webhook-timestamp");
        assertThat(webhookId).matches("msg_[0-9a-f]{32}");
        assertThat(Long.parseLong(timestamp)).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
        assertThat(StandardWebhooksVerifier.verifies(secret, webhookId, timestamp, request.body(),
                request.header("webhook-signature"))).as("signature by the spec").isTrue();

        JsonNode payload = json.readTree(request.text());
        assertThat(payload.get("type").asString()).isEqualTo("job.succeeded");
        assertThat(payload.get("timestamp").asString()).isNotBlank();
        assertThat(payload.get("data")).isEqualTo(api.get("/api/v1/jobs/" + id).json());

        JsonNode log = awaitDelivery(api, id, "delivered");
        assertThat(log).hasSize(1);
        JsonNode delivery = log.get(0);
        assertThat(delivery.get("webhookId").asString()).isEqualTo(webhookId);
        assertThat(delivery.get("eventType").asString()).isEqualTo("job.succeeded");
        assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
        assertThat(delivery.get("attemptLog").get(0).get("statusCode").asInt()).isEqualTo(200);
        assertThat(delivery.get("attemptLog").get(0).get("latencyMs").asLong()).isNotNegative();
        assertThat(delivery.get("nextAttemptAt").isNull()).isTrue();
    }

    @Test
    void serverErrorsAreRetriedWithTheSameWebhookIdUntilTheReceiverTakesIt() {
        String secret = createSigningSecret(api);
        receiver.answer(Answer.status(500), Answer.status(503));
        UUID id = submit(api, webhook(receiver.url("/flaky"), null));
        succeed(id);

        List<WebhookReceiver.Request> requests = receiver.awaitRequests(3, r -> true, WAIT);
        assertThat(requests).extracting(r -> r.header("webhook-id")).containsOnly(requests.getFirst().header("webhook-id"));
        assertThat(requests).extracting(WebhookReceiver.Request::text).containsOnly(requests.getFirst().text());
        assertThat(requests).allSatisfy(r -> assertThat(StandardWebhooksVerifier.verifies(secret, r.header("webhook-id"),
                r.header("webhook-timestamp"), r.body(), r.header("webhook-signature"))).isTrue());

        JsonNode delivery = awaitDelivery(api, id, "delivered").get(0);
        assertThat(delivery.get("attempts").asInt()).isEqualTo(3);
        assertThat(delivery.get("attemptLog")).extracting(a -> a.get("statusCode").asInt()).containsExactly(500, 503, 200);
        assertThat(delivery.get("attemptLog")).extracting(a -> a.get("attempt").asInt()).containsExactly(1, 2, 3);
        assertThat(receiver.requests()).as("nothing after the success").hasSize(3);
    }

    @Test
    void aReceiverThatDoesNotAnswerInTimeIsTriedAgain() {
        createSigningSecret(api);
        Duration timeout = Duration.parse("PT" + TestServices.WEBHOOK_REQUEST_TIMEOUT);
        receiver.answer(Answer.stall(timeout.multipliedBy(3)));
        UUID id = submit(api, webhook(receiver.url("/slow"), null));
        succeed(id);

        JsonNode delivery = awaitDelivery(api, id, "delivered").get(0);
        JsonNode first = delivery.get("attemptLog").get(0);
        assertThat(first.get("statusCode").isNull()).isTrue();
        assertThat(first.get("error").asString()).contains("no complete answer within");
        assertThat(delivery.get("attemptLog").get(1).get("statusCode").asInt()).isEqualTo(200);
    }

    @Test
    void redirectsAreNotFollowed() {
        createSigningSecret(api);
        receiver.answer(Answer.redirect(receiver.url("/elsewhere")));
        UUID id = submit(api, webhook(receiver.url("/moved"), null));
        succeed(id);

        JsonNode delivery = awaitDelivery(api, id, "delivered").get(0);
        assertThat(delivery.get("attemptLog")).extracting(a -> a.get("statusCode").asInt()).containsExactly(302, 200);
        assertThat(receiver.requests()).extracting(WebhookReceiver.Request::path).containsExactly("/moved", "/moved");
    }

    /** The sender reads at most max-response-size: a receiver that keeps sending past it cannot hold the attempt. */
    @Test
    void aLongAnswerIsReadOnlyUpToTheLimit() {
        createSigningSecret(api);
        Duration timeout = Duration.parse("PT" + TestServices.WEBHOOK_REQUEST_TIMEOUT);
        // 1 MB (the limit is 64 KB), then silence longer than the attempt may take: reading it all would time out
        receiver.answer(Answer.longBody(1024 * 1024, timeout.multipliedBy(5)));
        UUID id = submit(api, webhook(receiver.url("/chatty"), null));
        succeed(id);

        JsonNode delivery = awaitDelivery(api, id, "delivered").get(0);
        assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
        assertThat(delivery.get("attemptLog").get(0).get("statusCode").asInt()).as("not timed out reading on")
                .isEqualTo(200);
    }

    @Test
    void aDeliveryIsGivenUpAfterTheLastAttemptAndMarkedFailed() {
        createSigningSecret(api);
        receiver.answerByDefault(500);
        UUID id = submit(api, webhook(receiver.url("/down"), null));
        succeed(id);

        JsonNode delivery = awaitDelivery(api, id, "failed").get(0);
        assertThat(delivery.get("attempts").asInt()).isEqualTo(TestServices.WEBHOOK_MAX_ATTEMPTS);
        assertThat(delivery.get("lastError").asString()).contains("gave up after " + TestServices.WEBHOOK_MAX_ATTEMPTS);
        assertThat(delivery.get("nextAttemptAt").isNull()).isTrue();
        assertThat(receiver.requests()).hasSize(TestServices.WEBHOOK_MAX_ATTEMPTS);
    }

    @Test
    void subscriptionsGetTheEventsTheyChoseForTheirOwnersJobsOnly() {
        ApiClient alice = userKey("alice");
        ApiClient bob = userKey("bob");
        ApiClient.Response created = alice.send("POST", "/api/v1/webhooks", MediaType.APPLICATION_JSON, """
                {"url":"%s","events":["job.failed","job.cancelled"],"description":"pipeline"}"""
                .formatted(receiver.url("/alice")).getBytes(StandardCharsets.UTF_8));
        assertThat(created.status()).isEqualTo(201);
        String secret = created.json().get("secret").asString();
        String subscription = created.json().get("id").asString();
        assertThat(secret).startsWith("whsec_");
        assertThat(created.json().get("owner").asString()).isEqualTo("alice");

        // shown once: never again
        ApiClient.Response read = alice.get("/api/v1/webhooks/" + subscription);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().has("secret")).isFalse();
        assertThat(read.json().get("events")).extracting(JsonNode::asString).containsExactly("job.failed", "job.cancelled");
        assertThat(bob.get("/api/v1/webhooks/" + subscription).status()).as("another owner's").isEqualTo(404);
        assertThat(bob.get("/api/v1/webhooks").json()).isEmpty();
        assertThat(api.get("/api/v1/webhooks").json()).as("an admin sees every owner's").hasSize(1);

        UUID succeeded = submit(alice, null);
        succeed(succeeded);
        UUID bobsFailed = submit(bob, null);
        fail(bobsFailed);
        UUID failed = submit(alice, null);
        fail(failed);

        WebhookReceiver.Request request = receiver.awaitRequests(1, r -> true, WAIT).getFirst();
        JsonNode payload = json.readTree(request.text());
        assertThat(payload.get("type").asString()).isEqualTo("job.failed");
        assertThat(payload.get("data").get("id").asString()).isEqualTo(failed.toString());
        assertThat(payload.get("data").get("error").get("code").asString()).isEqualTo("invalid_model");
        assertThat(StandardWebhooksVerifier.verifies(secret, request.header("webhook-id"),
                request.header("webhook-timestamp"), request.body(), request.header("webhook-signature"))).isTrue();
        assertThat(alice.get("/api/v1/jobs/" + succeeded + "/webhook-deliveries").json()).as("not chosen").isEmpty();
        assertThat(bob.get("/api/v1/jobs/" + failed + "/webhook-deliveries").status()).isEqualTo(404);
        assertThat(receiver.requests()).hasSize(1);

        assertThat(alice.send("DELETE", "/api/v1/webhooks/" + subscription, MediaType.APPLICATION_JSON, new byte[0])
                .status()).isEqualTo(204);
        assertThat(alice.get("/api/v1/webhooks/" + subscription).status()).isEqualTo(404);
    }

    @Test
    void progressIsSentOnlyWhenAskedForAndThrottled() {
        ApiClient.Response created = api.send("POST", "/api/v1/webhooks", MediaType.APPLICATION_JSON, """
                {"url":"%s","events":["job.progress","job.succeeded"]}"""
                .formatted(receiver.url("/progress")).getBytes(StandardCharsets.UTF_8));
        assertThat(created.status()).isEqualTo(201);
        UUID id = submit(api, null);
        worker.awaitJob(id);
        worker.publish(started(id, 1, 1));
        worker.publish(progress(id, 1, 2, "compress", 0.25));
        worker.publish(progress(id, 1, 3, "compress", 0.75));
        worker.publish(new JobEvent.Succeeded(id, 1, 4, Instant.now(), List.of(),
                SimulatedWorker.report("int8", "0".repeat(64), "1".repeat(64))));

        receiver.awaitRequests(1, r -> r.text().contains("\"job.succeeded\""), WAIT);
        List<JsonNode> types = receiver.requests().stream().map(r -> json.readTree(r.text())).toList();
        assertThat(types).extracting(t -> t.get("type").asString()).containsExactly("job.progress", "job.succeeded");
        JsonNode progress = types.getFirst().get("progress");
        assertThat(progress.get("step").asString()).isEqualTo("compress");
        assertThat(progress.get("fraction").asDouble()).isEqualTo(0.25);
    }

    @Test
    void aJobCancelledWhileQueuedIsAnnounced() {
        createSigningSecret(api);
        UUID id = submit(api, webhook(receiver.url("/cancelled"), null));
        assertThat(api.post("/api/v1/jobs/" + id + "/cancel").status()).isEqualTo(200);

        JsonNode payload = json.readTree(receiver.awaitRequests(1, r -> true, WAIT).getFirst().text());
        assertThat(payload.get("type").asString()).isEqualTo("job.cancelled");
        assertThat(payload.get("data").get("status").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void duringARotationBothSecretsSignThenOnlyTheNewOne() {
        ApiClient.Response created = api.send("POST", "/api/v1/webhooks", MediaType.APPLICATION_JSON,
                "{\"url\":\"%s\",\"events\":[\"job.cancelled\"]}".formatted(receiver.url("/rotation"))
                        .getBytes(StandardCharsets.UTF_8));
        String subscription = created.json().get("id").asString();
        String first = created.json().get("secret").asString();
        ApiClient.Response rotated = api.send("POST", "/api/v1/webhooks/" + subscription + "/rotate-secret",
                MediaType.APPLICATION_JSON, "{\"overlap\":\"PT1H\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(rotated.status()).isEqualTo(200);
        String second = rotated.json().get("secret").asString();
        assertThat(second).startsWith("whsec_").isNotEqualTo(first);
        assertThat(rotated.json().get("previousSecretExpiresAt").isNull()).isFalse();

        cancelQueuedJob();
        WebhookReceiver.Request during = receiver.awaitRequests(1, r -> true, WAIT).getFirst();
        assertThat(during.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(StandardWebhooksVerifier.matches(first, during.header("webhook-id"), during.header("webhook-timestamp"),
                during.body(), during.header("webhook-signature"))).isEqualTo(1);
        assertThat(StandardWebhooksVerifier.matches(second, during.header("webhook-id"), during.header("webhook-timestamp"),
                during.body(), during.header("webhook-signature"))).isEqualTo(1);

        ApiClient.Response retired = api.send("POST", "/api/v1/webhooks/" + subscription + "/rotate-secret",
                MediaType.APPLICATION_JSON, "{\"overlap\":\"PT0S\"}".getBytes(StandardCharsets.UTF_8));
        String third = retired.json().get("secret").asString();
        cancelQueuedJob();
        WebhookReceiver.Request after = receiver.awaitRequests(2, r -> true, WAIT).get(1);
        assertThat(after.header("webhook-signature").split(" ")).hasSize(1);
        assertThat(StandardWebhooksVerifier.verifies(third, after.header("webhook-id"), after.header("webhook-timestamp"),
                after.body(), after.header("webhook-signature"))).isTrue();
        assertThat(StandardWebhooksVerifier.verifies(second, after.header("webhook-id"), after.header("webhook-timestamp"),
                after.body(), after.header("webhook-signature"))).isFalse();
    }

    @Test
    void aReceiverThatAnswersGoneDisablesItsSubscription() {
        receiver.answerByDefault(410);
        ApiClient.Response created = api.send("POST", "/api/v1/webhooks", MediaType.APPLICATION_JSON,
                "{\"url\":\"%s\"}".formatted(receiver.url("/gone")).getBytes(StandardCharsets.UTF_8));
        String subscription = created.json().get("id").asString();
        UUID id = cancelQueuedJob();

        JsonNode delivery = awaitDelivery(api, id, "failed").get(0);
        assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
        assertThat(delivery.get("lastError").asString()).contains("410");
        JsonNode disabled = api.get("/api/v1/webhooks/" + subscription).json();
        assertThat(disabled.get("disabledAt").isNull()).isFalse();
        cancelQueuedJob();
        assertThat(receiver.requests()).as("nothing more is sent there").hasSize(1);
    }

    @Test
    void privateAndLoopbackAddressesOutsideTheAllowListAreRefused() {
        for (String url : List.of("http://10.0.0.7/hook", "http://169.254.169.254/latest/meta-data",
                "http://[::1]:8080/hook", "http://192.168.1.20/hook", "http://[fd00::5]/hook", "ftp://127.0.0.1/x")) {
            ApiClient.Response refused = api.send("POST", "/api/v1/webhooks", MediaType.APPLICATION_JSON,
                    "{\"url\":\"%s\"}".formatted(url).getBytes(StandardCharsets.UTF_8));
            assertThat(refused.status()).as(url).isEqualTo(422);
            assertThat(refused.contentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)).isTrue();
            assertThat(refused.json().get("code").asString()).isEqualTo("invalid_webhook");
            assertThat(refused.json().get("errors").get(0).get("field").asString()).isEqualTo("url");
        }
        createSigningSecret(api);
        ApiClient.Response job = api.submit(new byte[] {1, 2, 3}, "model.onnx",
                request(webhook("http://172.16.4.4/hook", null)), null);
        assertThat(job.status()).isEqualTo(422);
        assertThat(job.json().get("code").asString()).isEqualTo("validation_failed");
        assertThat(job.json().get("errors").get(0).get("field").asString()).isEqualTo("webhook.url");
        assertThat(job.json().get("errors").get(0).get("message").asString()).contains("private");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();
    }

    @Test
    void aJobWebhookNeedsTheOwnersSigningSecretAndKnownEvents() {
        ApiClient.Response noSecret = api.submit(new byte[] {1}, "model.onnx", request(webhook(receiver.url("/x"), null)), null);
        assertThat(noSecret.status()).isEqualTo(422);
        assertThat(noSecret.json().get("errors").get(0).get("message").asString()).contains("/api/v1/webhooks/signing-secret");
        assertThat(api.get("/api/v1/webhooks/signing-secret").json().get("code").asString())
                .isEqualTo("webhook_signing_secret_not_found");

        createSigningSecret(api);
        ApiClient.Response unknown = api.submit(new byte[] {1}, "model.onnx",
                request(webhook(receiver.url("/x"), "[\"job.exploded\"]")), null);
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.json().get("errors").get(0).get("field").asString()).isEqualTo("webhook.events");

        ApiClient.Response shown = api.get("/api/v1/webhooks/signing-secret");
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.json().has("secret")).isFalse();
    }

    @Test
    void theDeliveryLogOfAJobOfAnotherOwnerIsMissing() {
        ApiClient alice = userKey("alice");
        UUID id = submit(api, null);
        assertThat(alice.get("/api/v1/jobs/" + id + "/webhook-deliveries").json().get("code").asString())
                .isEqualTo("job_not_found");
        assertThat(api.get("/api/v1/jobs/" + id + "/webhook-deliveries").json()).isEmpty();
    }

    // helpers

    private ApiClient userKey(String owner) {
        ApiClient.Response key = api.send("POST", "/api/v1/api-keys", MediaType.APPLICATION_JSON,
                "{\"owner\":\"%s\"}".formatted(owner).getBytes(StandardCharsets.UTF_8));
        assertThat(key.status()).isEqualTo(201);
        return api.withKey(key.json().get("key").asString());
    }

    static String createSigningSecret(ApiClient client) {
        ApiClient.Response created = client.post("/api/v1/webhooks/signing-secret");
        assertThat(created.status()).isIn(200, 201);
        return created.json().get("secret").asString();
    }

    static String webhook(String url, String eventsJson) {
        return eventsJson == null ? "{\"url\":\"%s\"}".formatted(url) : "{\"url\":\"%s\",\"events\":%s}".formatted(url, eventsJson);
    }

    static String request(String webhookJson) {
        return webhookJson == null ? "{\"method\":\"int8\"}" : "{\"method\":\"int8\",\"webhook\":%s}".formatted(webhookJson);
    }

    private UUID submit(ApiClient client, String webhookJson) {
        ApiClient.Response submitted = client.submit(new byte[] {1, 2, 3, 4}, "model.onnx", request(webhookJson), null);
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        return UUID.fromString(submitted.json().get("id").asString());
    }

    private UUID cancelQueuedJob() {
        UUID id = submit(api, null);
        assertThat(api.post("/api/v1/jobs/" + id + "/cancel").status()).isEqualTo(200);
        return id;
    }

    private void succeed(UUID id) {
        worker.awaitJob(id);
        worker.publish(started(id, 1, 1));
        worker.publish(new JobEvent.Succeeded(id, 1, 2, Instant.now(), List.of(),
                SimulatedWorker.report("int8", "0".repeat(64), "1".repeat(64))));
        awaitStatus(id, "SUCCEEDED");
    }

    private void fail(UUID id) {
        worker.awaitJob(id);
        worker.publish(new JobEvent.Failed(id, 1, 1, Instant.now(), "invalid_model", "not a model", false));
        awaitStatus(id, "FAILED");
    }

    private void awaitStatus(UUID id, String status) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> api.get("/api/v1/jobs/" + id).json().get("status").asString().equals(status));
    }

    private JsonNode awaitDelivery(ApiClient client, UUID jobId, String status) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode log = client.get("/api/v1/jobs/" + jobId + "/webhook-deliveries").json();
            return log.size() > 0 && log.get(0).get("status").asString().equals(status);
        });
        return client.get("/api/v1/jobs/" + jobId + "/webhook-deliveries").json();
    }
}
