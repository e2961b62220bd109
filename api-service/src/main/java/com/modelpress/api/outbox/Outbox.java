package com.modelpress.api.outbox;

import com.modelpress.contracts.job.CancelMessage;
import com.modelpress.contracts.job.JobMessage;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;

/**
 * Queues messages for RabbitMQ as part of the caller's transaction: they are published after, and only if,
 * that transaction commits. Thread-safe.
 */
@Component
public class Outbox {

    private final JdbcClient jdbc;
    private final JsonMapper json;

    Outbox(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueue(JobMessage message) {
        insert(OutboxKind.JOB, message);
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public void enqueue(CancelMessage message) {
        insert(OutboxKind.CANCEL, message);
    }

    private void insert(OutboxKind kind, Object message) {
        jdbc.sql("insert into outbox (kind, payload, created_at) values (:kind, cast(:payload as jsonb), :now)")
                .param("kind", kind.name())
                .param("payload", json.writeValueAsString(message))
                .param("now", java.sql.Timestamp.from(Instant.now()))
                .update();
    }
}
