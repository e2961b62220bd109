package com.modelpress.api.support;

import org.springframework.test.context.DynamicPropertyRegistry;

import java.nio.file.Path;

/**
 * Where integration tests find PostgreSQL, RabbitMQ and artifact storage: the one place to change when the
 * embedded fallbacks (shared/embedded-services) replace the machine's services.
 *
 * <p>PostgreSQL: database {@code test}, schema {@code api_it} (Flyway creates it), user postgres, trust auth.
 * RabbitMQ: 127.0.0.1:5672 guest/guest, the real {@link com.modelpress.contracts.job.Topology} names.
 */
public final class TestServices {

    public static final String JDBC_URL = "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=api_it";
    public static final String DB_SCHEMA = "api_it";
    public static final String DB_USER = "postgres";
    public static final String AMQP_HOST = "127.0.0.1";
    public static final int AMQP_PORT = 5672;
    public static final Path ARTIFACTS = Path.of("target", "it-artifacts").toAbsolutePath();
    /** Small, so that the 413 path is cheap to test. */
    public static final String MAX_UPLOAD_SIZE = "1MB";

    private TestServices() {
    }

    public static String amqpAddress() {
        return AMQP_HOST + ":" + AMQP_PORT;
    }

    /** Every property the integration tests share: the same values give one cached Spring context. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> JDBC_URL);
        registry.add("spring.datasource.username", () -> DB_USER);
        registry.add("spring.datasource.password", () -> "");
        registry.add("spring.flyway.schemas", () -> DB_SCHEMA);
        registry.add("spring.rabbitmq.host", () -> AMQP_HOST);
        registry.add("spring.rabbitmq.port", () -> AMQP_PORT);
        registry.add("spring.rabbitmq.username", () -> "guest");
        registry.add("spring.rabbitmq.password", () -> "guest");
        registry.add("modelpress.storage.root", ARTIFACTS::toString);
        registry.add("modelpress.api.max-upload-size", () -> MAX_UPLOAD_SIZE);
        registry.add("modelpress.outbox.poll-interval", () -> "100ms");
        registry.add("modelpress.api.event-poll-interval", () -> "100ms");
    }
}
