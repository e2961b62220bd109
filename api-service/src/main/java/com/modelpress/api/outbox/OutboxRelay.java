package com.modelpress.api.outbox;

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

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes unpublished outbox rows in id order, one confirmed message at a time. A row is marked published
 * only after the broker confirmed it; on any failure the pass stops and the row waits for the next pass
 * (delivery is at least once: consumers dedupe). Rows are claimed with {@code SKIP LOCKED}, so several API
 * instances can relay side by side.
 */
@Component
class OutboxRelay {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final RabbitTemplate rabbit;
    private final OutboxProperties properties;

    OutboxRelay(JdbcClient jdbc, TransactionTemplate transactions, RabbitTemplate outboxRabbitTemplate,
                OutboxProperties properties, MeterRegistry meters) {
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

    record Row(long id, String kind, String payload) {}

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
                        select id, kind, payload::text as payload from outbox
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
        try {
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
}
