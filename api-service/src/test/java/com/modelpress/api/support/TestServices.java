package com.modelpress.api.support;

import org.springframework.test.context.DynamicPropertyRegistry;

import java.nio.file.Path;

/**
 * Where integration tests find PostgreSQL, RabbitMQ and artifact storage: the shared
 * {@link com.modelpress.embedded.TestServices} — the machine's services when they answer (CI forces them with
 * {@code MODELPRESS_TEST_SERVICES=real}), otherwise embedded PostgreSQL and an embedded AMQP broker.
 *
 * <p>PostgreSQL: database {@code test}, schema {@code api_it} (Flyway creates it). RabbitMQ: the real
 * {@link com.modelpress.contracts.job.Topology} names.
 */
public final class TestServices {

    public static final String DB_SCHEMA = "api_it";
    public static final Path ARTIFACTS = Path.of("target", "it-artifacts").toAbsolutePath();
    /** Small, so that the 413 path is cheap to test. */
    public static final String MAX_UPLOAD_SIZE = "1MB";
    /** Small, so that the 413 of a text or tokenizer part is cheap to test. */
    public static final String MAX_TEXT_SIZE = "64KB";
    public static final String MAX_TOKENIZER_SIZE = "128KB";
    /** Small, so that parking an outbox row is quick to reach. */
    public static final int OUTBOX_MAX_ATTEMPTS = 3;
    public static final String OUTBOX_MAX_MESSAGE_SIZE = "1MB";
    /** The operator admin key every helper's tests send (the agreed contract). */
    public static final String ADMIN_KEY = "mp_test_admin_0123456789abcdef0123456789abcdef";
    /** Small limits for user keys, so that tests reach them cheaply; admin keys are exempt. */
    public static final int MAX_ACTIVE_JOBS = 3;
    public static final int REQUEST_BURST = 30;
    public static final int UNAUTHENTICATED_BURST = 40;
    /** Webhooks: receivers in the test JVM listen on loopback over http; retries come quickly, timeouts early. */
    public static final String WEBHOOK_REQUEST_TIMEOUT = "1s";
    public static final int WEBHOOK_MAX_ATTEMPTS = 5;
    /** Small SSE caps, so that tests reach them with a few streams; a short lifetime, so that one is seen to end. */
    public static final int MAX_EVENT_STREAMS_PER_KEY = 2;
    public static final int MAX_EVENT_STREAMS = 5;
    public static final java.time.Duration FINISHED_JOB_TTL = java.time.Duration.ofHours(1);
    public static final java.time.Duration EVENT_STREAM_TIMEOUT = java.time.Duration.ofSeconds(20);

    private TestServices() {
    }

    public static com.modelpress.embedded.TestServices.AmqpSettings amqp() {
        return com.modelpress.embedded.TestServices.amqp();
    }

    public static String amqpAddress() {
        return amqp().host() + ":" + amqp().port();
    }

    /** True when the broker is RabbitMQ (quorum queues, delivery limits, dead-lettering), not the embedded one. */
    public static boolean realBroker() {
        return amqp().origin() == com.modelpress.embedded.TestServices.Origin.REAL;
    }

    /** Every property the integration tests share: the same values give one cached Spring context. */
    public static void register(DynamicPropertyRegistry registry) {
        com.modelpress.embedded.TestServices.PostgresSettings postgres = com.modelpress.embedded.TestServices.postgres();
        String url = postgres.jdbcUrl() + (postgres.jdbcUrl().contains("?") ? "&" : "?") + "currentSchema=" + DB_SCHEMA;
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", postgres::username);
        registry.add("spring.datasource.password", postgres::password);
        registry.add("spring.flyway.schemas", () -> DB_SCHEMA);
        com.modelpress.embedded.TestServices.AmqpSettings amqp = amqp();
        registry.add("spring.rabbitmq.host", amqp::host);
        registry.add("spring.rabbitmq.port", amqp::port);
        registry.add("spring.rabbitmq.username", amqp::username);
        registry.add("spring.rabbitmq.password", amqp::password);
        registry.add("spring.rabbitmq.virtual-host", amqp::virtualHost);
        registry.add("modelpress.storage.root", ARTIFACTS::toString);
        registry.add("modelpress.api.max-upload-size", () -> MAX_UPLOAD_SIZE);
        registry.add("modelpress.api.text.max-text-size", () -> MAX_TEXT_SIZE);
        registry.add("modelpress.api.text.max-tokenizer-size", () -> MAX_TOKENIZER_SIZE);
        registry.add("modelpress.outbox.poll-interval", () -> "100ms");
        registry.add("modelpress.outbox.max-attempts", () -> OUTBOX_MAX_ATTEMPTS);
        registry.add("modelpress.outbox.max-message-size", () -> OUTBOX_MAX_MESSAGE_SIZE);
        registry.add("modelpress.api.event-poll-interval", () -> "100ms");
        registry.add("modelpress.api.max-event-streams-per-key", () -> MAX_EVENT_STREAMS_PER_KEY);
        registry.add("modelpress.api.max-event-streams", () -> MAX_EVENT_STREAMS);
        registry.add("modelpress.api.event-stream-timeout", () -> EVENT_STREAM_TIMEOUT.toMillis() + "ms");
        registry.add("modelpress.api.event-stream-keep-alive", () -> "1s");
        // long enough that no other test's job expires; the retention test dates its jobs back
        registry.add("modelpress.api.retention.finished-job-ttl", () -> FINISHED_JOB_TTL.toSeconds() + "s");
        registry.add("modelpress.api.retention.sweep-interval", () -> "500ms");
        registry.add("modelpress.api.auth.admin-key", () -> ADMIN_KEY);
        registry.add("modelpress.api.limits.max-active-jobs-per-owner", () -> MAX_ACTIVE_JOBS);
        registry.add("modelpress.api.limits.requests-per-second", () -> "2");
        registry.add("modelpress.api.limits.request-burst", () -> REQUEST_BURST);
        registry.add("modelpress.api.limits.unauthenticated-per-second", () -> "20");
        registry.add("modelpress.api.limits.unauthenticated-burst", () -> UNAUTHENTICATED_BURST);
        registry.add("modelpress.webhooks.allow-plain-http", () -> "true");
        registry.add("modelpress.webhooks.allowed-networks", () -> "127.0.0.0/8");
        registry.add("modelpress.webhooks.poll-interval", () -> "100ms");
        registry.add("modelpress.webhooks.request-timeout", () -> WEBHOOK_REQUEST_TIMEOUT);
        registry.add("modelpress.webhooks.retry.initial-delay", () -> "200ms");
        registry.add("modelpress.webhooks.retry.multiplier", () -> "2");
        registry.add("modelpress.webhooks.retry.max-attempts", () -> WEBHOOK_MAX_ATTEMPTS);
        registry.add("modelpress.webhooks.progress-interval", () -> "1h");
    }
}
