package com.modelpress.worker;

import com.modelpress.embedded.TestServices;
import org.junit.jupiter.api.Assumptions;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The one place that says which AMQP broker integration tests use: {@link TestServices} — the machine's
 * RabbitMQ when it answers at 127.0.0.1:5672 (CI forces it with {@code MODELPRESS_TEST_SERVICES=real}),
 * otherwise an embedded broker started once per JVM.
 */
public final class TestBroker {

    private TestBroker() {
    }

    /** Registers the broker's address for a {@code @DynamicPropertySource} method. */
    public static void register(DynamicPropertyRegistry registry) {
        TestServices.AmqpSettings amqp = TestServices.amqp();
        registry.add("spring.rabbitmq.host", amqp::host);
        registry.add("spring.rabbitmq.port", amqp::port);
        registry.add("spring.rabbitmq.username", amqp::username);
        registry.add("spring.rabbitmq.password", amqp::password);
        registry.add("spring.rabbitmq.virtual-host", amqp::virtualHost);
    }

    /**
     * Skips a test that needs RabbitMQ quorum-queue behaviour (delivery limit, {@code x-delivery-count},
     * dead-lettering): the embedded broker accepts those queue arguments but ignores them.
     */
    public static void assumeQuorumQueues() {
        Assumptions.assumeTrue(TestServices.amqp().origin() == TestServices.Origin.REAL,
                "the embedded AMQP broker has no delivery limit or dead-lettering; runs against RabbitMQ");
    }
}
