package com.modelpress.api.webhook;

import com.modelpress.api.ApiApplication;
import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.StandardWebhooksVerifier;
import com.modelpress.api.support.TestServices;
import com.modelpress.api.support.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing is lost across a restart: a delivery still pending when the API stops is sent by the API that starts next
 * on the same database, with the same webhook-id. Both APIs run in this JVM on a schema of their own (so the shared
 * test context's dispatcher cannot deliver it in between) with their broker listeners off.
 */
class WebhookRestartIntegrationTest {

    private static final String SCHEMA = "api_webhook_restart";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aDeliveryPendingWhenTheApiStopsIsSentAfterItStartsAgain() throws Exception {
        dropSchema();
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            receiver.answerByDefault(503);
            UUID jobId;
            String secret;
            String webhookId;
            try (ConfigurableApplicationContext first = startApi()) {
                ApiClient api = client(first);
                secret = WebhookDeliveryIntegrationTest.createSigningSecret(api);
                ApiClient.Response submitted = api.submit(new byte[] {1, 2, 3}, "model.onnx",
                        WebhookDeliveryIntegrationTest.request(WebhookDeliveryIntegrationTest.webhook(
                                receiver.url("/restart"), null)), null);
                assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
                jobId = UUID.fromString(submitted.json().get("id").asString());
                assertThat(api.post("/api/v1/jobs/" + jobId + "/cancel").status()).isEqualTo(200);

                await().atMost(WAIT).until(() -> {
                    JsonNode log = api.get("/api/v1/jobs/" + jobId + "/webhook-deliveries").json();
                    return log.size() == 1 && log.get(0).get("attempts").asInt() >= 1;
                });
                JsonNode pending = api.get("/api/v1/jobs/" + jobId + "/webhook-deliveries").json().get(0);
                assertThat(pending.get("status").asString()).isEqualTo("pending");
                assertThat(pending.get("nextAttemptAt").isNull()).isFalse();
                webhookId = pending.get("webhookId").asString();
            }
            int beforeRestart = receiver.requests().size();
            assertThat(receiver.requests()).extracting(r -> r.header("webhook-id")).containsOnly(webhookId);
            receiver.answerByDefault(200);

            try (ConfigurableApplicationContext second = startApi()) {
                ApiClient api = client(second);
                List<WebhookReceiver.Request> requests = receiver.awaitRequests(beforeRestart + 1, r -> true, WAIT);
                WebhookReceiver.Request delivered = requests.get(beforeRestart);
                assertThat(delivered.header("webhook-id")).isEqualTo(webhookId);
                assertThat(StandardWebhooksVerifier.verifies(secret, webhookId, delivered.header("webhook-timestamp"),
                        delivered.body(), delivered.header("webhook-signature"))).isTrue();
                assertThat(JsonMapper.builder().build().readTree(delivered.text()).get("type").asString())
                        .isEqualTo("job.cancelled");

                await().atMost(WAIT).until(() -> api.get("/api/v1/jobs/" + jobId + "/webhook-deliveries").json()
                        .get(0).get("status").asString().equals("delivered"));
                JsonNode log = api.get("/api/v1/jobs/" + jobId + "/webhook-deliveries").json().get(0);
                List<Integer> codes = new ArrayList<>();
                log.get("attemptLog").forEach(attempt -> codes.add(attempt.get("statusCode").asInt()));
                assertThat(codes).hasSize(beforeRestart + 1).endsWith(200);
                assertThat(codes.subList(0, beforeRestart)).containsOnly(503);
            }
        }
    }

    private static ConfigurableApplicationContext startApi() {
        var postgres = com.modelpress.embedded.TestServices.postgres();
        var amqp = com.modelpress.embedded.TestServices.amqp();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", url(postgres.jdbcUrl()));
        properties.put("spring.datasource.username", postgres.username());
        properties.put("spring.datasource.password", postgres.password());
        properties.put("spring.flyway.schemas", SCHEMA);
        properties.put("spring.rabbitmq.host", amqp.host());
        properties.put("spring.rabbitmq.port", Integer.toString(amqp.port()));
        properties.put("spring.rabbitmq.username", amqp.username());
        properties.put("spring.rabbitmq.password", amqp.password());
        properties.put("spring.rabbitmq.virtual-host", amqp.virtualHost());
        // this API must not take the shared test context's events
        properties.put("spring.rabbitmq.listener.simple.auto-startup", "false");
        properties.put("spring.jmx.enabled", "false");
        properties.put("spring.main.banner-mode", "off");
        properties.put("server.port", "0");
        properties.put("modelpress.storage.root", TestServices.ARTIFACTS.toString());
        properties.put("modelpress.api.auth.admin-key", TestServices.ADMIN_KEY);
        properties.put("modelpress.webhooks.allow-plain-http", "true");
        properties.put("modelpress.webhooks.allowed-networks", "127.0.0.0/8");
        properties.put("modelpress.webhooks.poll-interval", "100ms");
        properties.put("modelpress.webhooks.retry.initial-delay", "1s");
        properties.put("modelpress.webhooks.retry.multiplier", "1");
        properties.put("modelpress.webhooks.retry.jitter", "0");
        properties.put("modelpress.webhooks.retry.max-attempts", "50");
        List<String> arguments = new ArrayList<>();
        properties.forEach((key, value) -> arguments.add("--" + key + "=" + value));
        return new SpringApplicationBuilder(ApiApplication.class).registerShutdownHook(false)
                .run(arguments.toArray(String[]::new));
    }

    private static ApiClient client(ConfigurableApplicationContext context) {
        int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
        return new ApiClient(port, context.getBean(JsonMapper.class));
    }

    private static String url(String jdbcUrl) {
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;
    }

    private static void dropSchema() throws SQLException {
        var postgres = com.modelpress.embedded.TestServices.postgres();
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
             var statement = connection.createStatement()) {
            statement.execute("drop schema if exists " + SCHEMA + " cascade");
        }
    }
}
