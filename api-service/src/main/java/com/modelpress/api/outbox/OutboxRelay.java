package com.modelpress.api.outbox;

import com.modelpress.api.tracing.TraceContexts;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes unpublished outbox rows in id order, one confirmed message at a time. A row is marked published
 * only after the broker confirmed it; on any failure the pass stops and the row waits for the next pass
 * (delivery is at least once: consumers dedupe). Rows are claimed with {@code SKIP LOCKED}, so several API
 * instances can relay side by side. Each publish runs in a span that continues the trace stored with its row, so the
 * message's headers carry the trace of the request that wrote it.
 */
@Component
class OutboxRelay {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final RabbitTemplate rabbit;
    private final OutboxProperties properties;
    private final TraceContexts traces;
    private final JsonMapper json;

    OutboxRelay(JdbcClient jdbc, TransactionTemplate transactions, RabbitTemplate outboxRabbitTemplate,
                OutboxProperties properties, MeterRegistry meters, TraceContexts traces, JsonMapper json) {
        this.traces = traces;
        this.json = json;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.rabbit = outboxRabbitTemplate;
        this.properties = properties;
        Gauge.builder("modelpress.outbox.pending", this, OutboxRelay::pending)
                .description("Outbox messages not yet confirmed by the broker")
                .register(meters);
    }

    private double pending() {
        return jdbc.sql("select count(*) from outbox where published_at is null").query(Long.class).single();
    }

    /** @param traceContext nullable: JSON of the propagation headers of the transaction that wrote the row */
    record Row(long id, String kind, String payload, String traceContext) {}

    /** One pass: publishes batches until none is left; scheduled every {@code modelpress.outbox.poll-interval}. */
    void relay() {
        Integer published;
        do {
            published = transactions.execute(status -> publishBatch());
        } while (published != null && published == properties.batchSize());
    }

    /** Deletes rows published longer ago than the retention. */
    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
    int purgePublished() {
        return jdbc.sql("delete from outbox where published_at < :cutoff")
                .param("cutoff", Timestamp.from(Instant.now().minus(properties.retention())))
                .update();
    }

    /** @return rows published in this batch */
    private int publishBatch() {
        List<Row> rows = jdbc.sql("""
                        select id, kind, payload::text as payload, trace_context::text as trace_context from outbox
                        where published_at is null order by id limit :limit for update skip locked""")
                .param("limit", properties.batchSize())
                .query(Row.class)
                .list();
        int published = 0;
        for (Row row : rows) {
            try {
                publish(row);
            } catch (OutboxPublishException e) {
                jdbc.sql("update outbox set attempts = attempts + 1, last_error = :error where id = :id")
                        .param("error", e.getMessage())
                        .param("id", row.id())
                        .update();
                log.warn("outbox row {} not published, will retry: {}", row.id(), e.getMessage());
                break;
            }
            jdbc.sql("update outbox set attempts = attempts + 1, published_at = :now, last_error = null where id = :id")
                    .param("now", Timestamp.from(Instant.now()))
                    .param("id", row.id())
                    .update();
            published++;
        }
        return published;
    }

    private void publish(Row row) throws OutboxPublishException {
        OutboxKind kind = OutboxKind.valueOf(row.kind());
        Message message = MessageBuilder.withBody(row.payload().getBytes(StandardCharsets.UTF_8))
                .setContentType(MessageProperties.CONTENT_TYPE_JSON)
                .setContentEncoding(StandardCharsets.UTF_8.name())
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .setMessageId("outbox-" + row.id())
                .setHeader("__TypeId__", kind.messageType().getName())
                .build();
        CorrelationData correlation = new CorrelationData("outbox-" + row.id());
        try (TraceContexts.Continued span = traces.continueTrace("outbox publish " + kind.name().toLowerCase(java.util.Locale.ROOT),
                traceContextOf(row))) {
            span.tag(TraceContexts.JOB_ID, jobIdOf(row));
            // the template's observation (spring.rabbitmq.template.observation-enabled) puts this span's context in
            // the message headers
            rabbit.send(kind.exchange(), kind.routingKey(), message, correlation);
            CorrelationData.Confirm confirm = correlation.getFuture()
                    .get(properties.confirmTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!confirm.ack()) {
                throw new OutboxPublishException(row.id(), "broker nacked: " + confirm.reason());
            }
            if (correlation.getReturned() != null) {
                throw new OutboxPublishException(row.id(), "unroutable: " + correlation.getReturned().getReplyText());
            }
        } catch (org.springframework.amqp.AmqpException | ExecutionException | TimeoutException e) {
            throw new OutboxPublishException(row.id(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutboxPublishException(row.id(), "interrupted");
        }
    }

    private Map<String, String> traceContextOf(Row row) {
        if (row.traceContext() == null) {
            return Map.of();
        }
        try {
            return json.readValue(row.traceContext(), new TypeReference<Map<String, String>>() {});
        } catch (JacksonException e) {
            log.debug("outbox row {} has an unreadable trace context: {}", row.id(), e.getOriginalMessage());
            return Map.of();
        }
    }

    private String jobIdOf(Row row) {
        try {
            return json.readTree(row.payload()).path("jobId").asString("");
        } catch (JacksonException e) {
            return "";
        }
    }
}
