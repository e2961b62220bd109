package com.modelpress.api.outbox;

import com.modelpress.api.tracing.TraceContexts;
import com.modelpress.contracts.job.CancelMessage;
import com.modelpress.contracts.job.JobMessage;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.Map;

/**
 * Queues messages for RabbitMQ as part of the caller's transaction: they are published after, and only if,
 * that transaction commits. Each row keeps the trace context of the transaction that wrote it (while tracing is on), so
 * that the relay continues that trace. Thread-safe.
 */
@Component
public class Outbox {

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final TraceContexts traces;

    Outbox(JdbcClient jdbc, JsonMapper json, TraceContexts traces) {
        this.jdbc = jdbc;
        this.json = json;
        this.traces = traces;
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
        Map<String, String> traceContext = traces.current();
        jdbc.sql("""
                        insert into outbox (kind, payload, created_at, trace_context)
                        values (:kind, cast(:payload as jsonb), :now, cast(:traceContext as jsonb))""")
                .param("kind", kind.name())
                .param("payload", json.writeValueAsString(message))
                .param("now", java.sql.Timestamp.from(Instant.now()))
                .param("traceContext", traceContext.isEmpty() ? null : json.writeValueAsString(traceContext))
                .update();
    }
}
