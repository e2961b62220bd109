package com.modelpress.api.outbox;

import com.modelpress.api.tracing.TraceContexts;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpConnectException;
import org.springframework.amqp.AmqpIOException;
import org.springframework.amqp.AmqpTimeoutException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ApplicationEventPublisher;
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
 * only after the broker confirmed it (delivery is at least once: consumers dedupe). Rows are claimed with
 * {@code SKIP LOCKED}, so several API instances can relay side by side.
 *
 * <p>No single row can stall the queue. When the broker is unreachable (or does not confirm in time) the pass stops
 * and every row waits for the next one. A row the broker refuses (nack, unroutable) counts an attempt and the pass
 * goes on with the next row; after {@link OutboxProperties#maxAttempts()} refusals the row is parked. A row that can
 * never be sent (larger than {@link OutboxProperties#maxMessageSize()}, or of a kind this relay does not know) is
 * parked at once. Parked rows keep their last error, are skipped from then on, are logged as errors and counted in
 * {@code modelpress.outbox.parked} (alert when it is above zero).
 *
 * <p>Each publish runs in a span that continues the trace stored with its row, so the message's headers carry the
 * trace of the request that wrote it.
 */
@Component
class OutboxRelay {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final RabbitTemplate rabbit;
    private final OutboxProperties properties;
    private final ApplicationEventPublisher events;
    private final TraceContexts traces;
    private final JsonMapper json;

    OutboxRelay(JdbcClient jdbc, TransactionTemplate transactions, RabbitTemplate outboxRabbitTemplate,
                OutboxProperties properties, MeterRegistry meters, ApplicationEventPublisher events,
                TraceContexts traces, JsonMapper json) {
        this.traces = traces;
        this.json = json;
        this.jdbc = jdbc;
        this.events = events;
        this.transactions = transactions;
        this.rabbit = outboxRabbitTemplate;
        this.properties = properties;
        Gauge.builder("modelpress.outbox.pending", this, OutboxRelay::pending)
                .description("Outbox messages not yet confirmed by the broker")
                .register(meters);
        Gauge.builder("modelpress.outbox.parked", this, OutboxRelay::parked)
                .description("Outbox messages set aside because they can never be published")
                .register(meters);
    }

    private double pending() {
        return jdbc.sql("select count(*) from outbox where published_at is null and parked_at is null")
                .query(Long.class).single();
    }

    private double parked() {
        return jdbc.sql("select count(*) from outbox where parked_at is not null").query(Long.class).single();
    }

    /** @param traceContext nullable: JSON of the propagation headers of the transaction that wrote the row */
    record Row(long id, String kind, String payload, int attempts, String traceContext) {}

    /** One pass: publishes batches until none is left; scheduled every {@code modelpress.outbox.poll-interval}. */
    void relay() {
        Integer settled;
        do {
            settled = transactions.execute(status -> publishBatch());
        } while (settled != null && settled == properties.batchSize());
    }

    /** Deletes rows published longer ago than the retention. */
    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
    int purgePublished() {
        return jdbc.sql("delete from outbox where published_at < :cutoff")
                .param("cutoff", Timestamp.from(Instant.now().minus(properties.retention())))
                .update();
    }

    /** @return rows published or parked in this batch; fewer than the batch size ends the pass */
    private int publishBatch() {
        List<Row> rows = jdbc.sql("""
                        select id, kind, payload::text as payload, attempts, trace_context::text as trace_context
                        from outbox where published_at is null and parked_at is null
                        order by id limit :limit for update skip locked""")
                .param("limit", properties.batchSize())
                .query(Row.class)
                .list();
        int settled = 0;
        for (Row row : rows) {
            try {
                publish(row);
            } catch (OutboxPublishException e) {
                switch (e.kind()) {
                    case BROKER_UNAVAILABLE -> {
                        recordFailure(row, e.getMessage(), false);
                        log.warn("outbox row {} not published, will retry: {}", row.id(), e.getMessage());
                        return 0;
                    }
                    case REFUSED -> {
                        boolean park = row.attempts() + 1 >= properties.maxAttempts();
                        recordFailure(row, e.getMessage(), park);
                        if (park) {
                            settled++;
                        } else {
                            log.warn("outbox row {} refused by the broker ({} of {} attempts): {}", row.id(),
                                    row.attempts() + 1, properties.maxAttempts(), e.getMessage());
                        }
                    }
                    case UNPUBLISHABLE -> {
                        recordFailure(row, e.getMessage(), true);
                        settled++;
                    }
                }
                continue;
            }
            jdbc.sql("update outbox set attempts = attempts + 1, published_at = :now, last_error = null where id = :id")
                    .param("now", Timestamp.from(Instant.now()))
                    .param("id", row.id())
                    .update();
            settled++;
        }
        return settled;
    }

    private void recordFailure(Row row, String error, boolean park) {
        jdbc.sql("""
                        update outbox set attempts = attempts + 1, last_error = :error,
                               parked_at = case when :park then now() else parked_at end
                        where id = :id""")
                .param("error", error)
                .param("park", park)
                .param("id", row.id())
                .update();
        if (park) {
            log.error("outbox row {} ({}, {} bytes) parked after {} attempts ({}); it will not be published, later rows "
                            + "go on. Publish it again with: update outbox set parked_at = null, attempts = 0 where id = {}",
                    row.id(), row.kind(), row.payload().length(), row.attempts() + 1, error, row.id());
            known(row.kind()).ifPresent(kind -> events.publishEvent(new OutboxRowParked(row.id(), kind, row.payload(), error)));
        }
    }

    private void publish(Row row) throws OutboxPublishException {
        OutboxKind kind = kindOf(row);
        byte[] body = row.payload().getBytes(StandardCharsets.UTF_8);
        if (body.length > properties.maxMessageSize().toBytes()) {
            throw new OutboxPublishException(row.id(), OutboxPublishException.Kind.UNPUBLISHABLE,
                    "%d bytes, more than modelpress.outbox.max-message-size (%s)".formatted(body.length,
                            properties.maxMessageSize()));
        }
        Message message = MessageBuilder.withBody(body)
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
                throw new OutboxPublishException(row.id(), OutboxPublishException.Kind.REFUSED,
                        "broker nacked: " + confirm.reason());
            }
            if (correlation.getReturned() != null) {
                throw new OutboxPublishException(row.id(), OutboxPublishException.Kind.REFUSED,
                        "unroutable: " + correlation.getReturned().getReplyText());
            }
        } catch (AmqpConnectException | AmqpIOException | AmqpTimeoutException | TimeoutException e) {
            throw new OutboxPublishException(row.id(), OutboxPublishException.Kind.BROKER_UNAVAILABLE, e.toString());
        } catch (org.springframework.amqp.AmqpException | ExecutionException e) {
            throw new OutboxPublishException(row.id(), OutboxPublishException.Kind.REFUSED, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutboxPublishException(row.id(), OutboxPublishException.Kind.BROKER_UNAVAILABLE, "interrupted");
        }
    }

    private static java.util.Optional<OutboxKind> known(String kind) {
        return java.util.Arrays.stream(OutboxKind.values()).filter(k -> k.name().equals(kind)).findFirst();
    }

    private static OutboxKind kindOf(Row row) throws OutboxPublishException {
        try {
            return OutboxKind.valueOf(row.kind());
        } catch (IllegalArgumentException e) {
            throw new OutboxPublishException(row.id(), OutboxPublishException.Kind.UNPUBLISHABLE,
                    "kind '%s' is not one this relay publishes".formatted(row.kind()));
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
