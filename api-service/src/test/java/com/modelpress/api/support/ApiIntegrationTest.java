package com.modelpress.api.support;

import com.modelpress.contracts.job.Topology;
import com.modelpress.storage.ArtifactStore;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Base of every {@code *IntegrationTest}: one Spring context (real HTTP port, PostgreSQL, RabbitMQ) shared by
 * all of them; each test starts with empty tables and empty queues.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ApiIntegrationTest {

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        TestServices.register(registry);
    }

    @LocalServerPort
    protected int port;
    @Autowired
    protected JdbcClient jdbc;
    @Autowired
    protected JsonMapper json;
    @Autowired
    protected ArtifactStore store;
    @Autowired
    protected ConnectionFactory connectionFactory;
    @Autowired
    protected AmqpAdmin amqpAdmin;

    private static volatile boolean brokerTaken;

    protected ApiClient api;
    protected SimulatedWorker worker;

    @BeforeEach
    void cleanSlate() throws java.io.IOException {
        store.deleteAll("jobs");
        jdbc.sql("truncate jobs, job_events, artifacts, outbox, api_keys, webhook_deliveries, webhook_attempts, "
                + "webhook_subscriptions, webhook_signing_secrets").update();
        amqpAdmin.purgeQueue(Topology.JOBS_QUEUE, false);
        amqpAdmin.purgeQueue(Topology.EVENTS_QUEUE, false);
        amqpAdmin.purgeQueue(Topology.JOBS_DEAD_LETTER_QUEUE, false);
        awaitNoForeignConsumers();
        api = new ApiClient(port, json);
        worker = new SimulatedWorker(connectionFactory, json, store);
    }

    /**
     * The broker is shared with other test suites that use the same queue names (the worker's, the CLI's): a
     * foreign consumer on the jobs or events queue would take this test's messages. Wait until this API's
     * listeners are the only ones; once that wait timed out, later tests fail at once instead of waiting again.
     */
    private void awaitNoForeignConsumers() {
        assertThat(brokerTaken).as("another test suite holds consumers on the shared queues").isFalse();
        try {
            await("no other consumer on the %s and %s queues".formatted(Topology.JOBS_QUEUE, Topology.EVENTS_QUEUE))
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> consumers(Topology.JOBS_QUEUE) == 0 && consumers(Topology.EVENTS_QUEUE) <= 1
                            && consumers(Topology.JOBS_DEAD_LETTER_QUEUE) <= 1);
        } catch (ConditionTimeoutException e) {
            brokerTaken = true;
            throw e;
        }
    }

    private int consumers(String queue) {
        var info = amqpAdmin.getQueueInfo(queue);
        return info == null ? 0 : info.getConsumerCount();
    }

    @AfterEach
    void closeWorker() {
        worker.close();
    }
}
