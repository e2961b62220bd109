package com.modelpress.worker;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The one place that says which AMQP broker integration tests use: the machine's RabbitMQ at
 * {@code MODELPRESS_TEST_RABBITMQ_HOST:MODELPRESS_TEST_RABBITMQ_PORT} (default {@code 127.0.0.1:5672},
 * guest/guest), virtual host {@code MODELPRESS_TEST_RABBITMQ_VHOST} (default {@code /}; a separate one keeps
 * these tests, which purge the queues and run a worker, apart from others using the same broker). When none answers, tests that {@code @ExtendWith(TestBroker.class)} are skipped, unless
 * {@code MODELPRESS_REQUIRE_SERVICES=true} (CI), where they run and fail. When {@code shared/embedded-services}
 * lands, this class starts the embedded broker instead of skipping.
 */
public final class TestBroker implements ExecutionCondition {

    private static final String HOST = env("MODELPRESS_TEST_RABBITMQ_HOST", "127.0.0.1");
    private static final int PORT = Integer.parseInt(env("MODELPRESS_TEST_RABBITMQ_PORT", "5672"));
    private static final String VIRTUAL_HOST = env("MODELPRESS_TEST_RABBITMQ_VHOST", "/");
    private static final boolean REQUIRED = Boolean.parseBoolean(env("MODELPRESS_REQUIRE_SERVICES", "false"));

    /** Registers the broker's address for a {@code @DynamicPropertySource} method. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("spring.rabbitmq.host", () -> HOST);
        registry.add("spring.rabbitmq.port", () -> PORT);
        registry.add("spring.rabbitmq.username", () -> "guest");
        registry.add("spring.rabbitmq.password", () -> "guest");
        registry.add("spring.rabbitmq.virtual-host", () -> VIRTUAL_HOST);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (REQUIRED || reachable()) {
            return ConditionEvaluationResult.enabled("AMQP broker at %s:%d".formatted(HOST, PORT));
        }
        return ConditionEvaluationResult.disabled("no AMQP broker at %s:%d (set MODELPRESS_REQUIRE_SERVICES=true to fail instead)"
                .formatted(HOST, PORT));
    }

    private static boolean reachable() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, PORT), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
