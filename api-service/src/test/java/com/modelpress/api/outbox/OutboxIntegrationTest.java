package com.modelpress.api.outbox;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.TestServices;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.amqp.rabbit.connection.AbstractConnectionFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;

import java.nio.charset.StandardCharsets;
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

    private Map<String, Object> onlyOutboxRow() {
        return jdbc.sql("select attempts, published_at, last_error from outbox").query().singleRow();
    }
}
