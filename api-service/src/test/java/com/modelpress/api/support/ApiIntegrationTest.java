package com.modelpress.api.support;

import com.modelpress.contracts.job.Topology;
import com.modelpress.storage.ArtifactStore;
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

    protected ApiClient api;
    protected SimulatedWorker worker;

    @BeforeEach
    void cleanSlate() throws java.io.IOException {
        store.deleteAll("jobs");
        jdbc.sql("truncate jobs, job_events, artifacts, outbox").update();
        amqpAdmin.purgeQueue(Topology.JOBS_QUEUE, false);
        amqpAdmin.purgeQueue(Topology.EVENTS_QUEUE, false);
        amqpAdmin.purgeQueue(Topology.JOBS_DEAD_LETTER_QUEUE, false);
        api = new ApiClient(port, json);
        worker = new SimulatedWorker(connectionFactory, json, store);
    }

    @AfterEach
    void closeWorker() {
        worker.close();
    }
}
