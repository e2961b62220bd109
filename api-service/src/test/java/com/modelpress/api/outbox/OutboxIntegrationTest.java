package com.modelpress.api.outbox;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.TestServices;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.amqp.rabbit.connection.AbstractConnectionFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import com.modelpress.contracts.job.Topology;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Queue;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class OutboxIntegrationTest extends ApiIntegrationTest {

    @Autowired
    private OutboxRelay relay;

    /** Nothing listens there: the relay's broker is "down". */
    private static final String CLOSED_PORT = "127.0.0.1:1";

    @Test
    void submitDuringABrokerOutageIsKeptAndDeliveredOnceTheBrokerIsBack() {
        AbstractConnectionFactory publisher = (AbstractConnectionFactory)
                ((CachingConnectionFactory) connectionFactory).getPublisherConnectionFactory();
        publisher.setAddresses(CLOSED_PORT);
        publisher.resetConnection();
        UUID id;
        try {
            ApiClient.Response submitted = api.submit("model".getBytes(StandardCharsets.UTF_8), "model.onnx",
                    "{\"method\":\"fp16\"}", null);
            assertThat(submitted.status()).isEqualTo(202);
            id = UUID.fromString(submitted.json().get("id").asString());

            Map<String, Object> row = await().atMost(Duration.ofSeconds(20)).until(this::onlyOutboxRow,
                    r -> ((Number) r.get("attempts")).intValue() >= 2);
            assertThat(row.get("published_at")).isNull();
            assertThat((String) row.get("last_error")).contains("outbox row");
            assertThat(worker.poll(200)).isNull();
        } finally {
            publisher.setAddresses(TestServices.amqpAddress());
            publisher.resetConnection();
        }

        assertThat(worker.awaitJob(id).job().jobId()).isEqualTo(id);
        Map<String, Object> row = await().atMost(Duration.ofSeconds(20)).until(this::onlyOutboxRow,
                r -> r.get("published_at") != null);
        assertThat(row.get("last_error")).isNull();
        assertThat(api.get("/api/v1/jobs/" + id).json().get("status").asString()).isEqualTo("QUEUED");
    }

    @Test
    void publishedRowsAreDeletedAfterTheRetentionUnpublishedNever() {
        jdbc.sql("""
                insert into outbox (kind, payload, created_at, published_at, attempts) values
                ('CANCEL', '{}', now() - interval '30 days', now() - interval '30 days', 1),
                ('CANCEL', '{}', now() - interval '1 day', now() - interval '1 day', 1)""").update();
        assertThat(relay.purgePublished()).isEqualTo(1);
        assertThat(jdbc.sql("select count(*) from outbox").query(Long.class).single()).isEqualTo(1);
    }

    /**
     * Issue 15, item 2: a row the broker can never take must not keep every later job (of every tenant) from being
     * published. Ahead of a real job sit a row of a kind no relay knows and a row larger than any broker takes.
     */
    @Test
    void rowsThatCanNeverBePublishedAreParkedAndTheJobsBehindThemGoOut() {
        jdbc.sql("insert into outbox (kind, payload, created_at) values ('BOGUS', '{}', now())").update();
        String oversized = "{\"jobId\":\"" + UUID.randomUUID() + "\",\"padding\":\"" + "p".repeat(2 << 20) + "\"}";
        jdbc.sql("insert into outbox (kind, payload, created_at) values ('JOB', cast(:payload as jsonb), now())")
                .param("payload", oversized).update();

        UUID id = submit();
        assertThat(worker.awaitJob(id).job().jobId()).isEqualTo(id);

        List<Map<String, Object>> parked = await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql(
                "select kind, last_error from outbox where parked_at is not null order by id").query().listOfRows(),
                rows -> rows.size() == 2);
        assertThat((String) parked.get(0).get("last_error")).contains("kind 'BOGUS'");
        assertThat((String) parked.get(1).get("last_error")).contains("max-message-size");
        assertThat(jdbc.sql("select count(*) from outbox where published_at is not null").query(Long.class).single())
                .isEqualTo(1);
    }

    /**
     * A row the broker refuses (here: unroutable, the jobs queue unbound) is tried max-attempts times and parked; its
     * job fails as unpublishable instead of waiting forever, and the jobs after it are published.
     */
    @Test
    void aRowTheBrokerKeepsRefusingIsParkedAndItsJobFails() {
        Binding jobs = BindingBuilder.bind(new Queue(Topology.JOBS_QUEUE)).to(new DirectExchange(Topology.JOBS_EXCHANGE))
                .with(Topology.JOBS_ROUTING_KEY);
        UUID refused;
        amqpAdmin.removeBinding(jobs);
        try {
            refused = submit();
            Map<String, Object> row = await().atMost(Duration.ofSeconds(20)).until(this::onlyOutboxRow,
                    r -> r.get("parked_at") != null);
            assertThat(((Number) row.get("attempts")).intValue()).isEqualTo(TestServices.OUTBOX_MAX_ATTEMPTS);
            assertThat((String) row.get("last_error")).contains("unroutable");
        } finally {
            amqpAdmin.declareBinding(jobs);
        }
        JsonNode failed = api.get("/api/v1/jobs/" + refused).json();
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.at("/error/code").asString()).isEqualTo("unpublishable");

        UUID next = submit();
        assertThat(worker.awaitJob(next).job().jobId()).isEqualTo(next);
    }

    private UUID submit() {
        ApiClient.Response submitted = api.submit("model".getBytes(StandardCharsets.UTF_8), "model.onnx",
                "{\"method\":\"fp16\"}", null);
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        return UUID.fromString(submitted.json().get("id").asString());
    }

    private Map<String, Object> onlyOutboxRow() {
        return jdbc.sql("select attempts, published_at, parked_at, last_error from outbox").query().singleRow();
    }
}
