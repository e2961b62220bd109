package com.modelpress.api.job;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The append-only log of workers' events per job, keyed by {@code (job, attempt, sequence)}. Thread-safe. */
@Component
class JobEventLog {

    private final JdbcClient jdbc;

    JobEventLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** An event with its arrival number, for streaming. */
    record Entry(long receivedId, JobEventView event) {}

    /** @return false when this (job, attempt, sequence) was recorded before */
    boolean append(UUID jobId, int attempt, long sequence, String type, Instant at, String payloadJson) {
        return jdbc.sql("""
                        insert into job_events (job_id, attempt, sequence, type, payload, at)
                        values (:jobId, :attempt, :sequence, :type, cast(:payload as jsonb), :at)
                        on conflict do nothing""")
                .param("jobId", jobId)
                .param("attempt", attempt)
                .param("sequence", sequence)
                .param("type", type)
                .param("payload", payloadJson)
                .param("at", Timestamp.from(at))
                .update() == 1;
    }

    /** Events of a job that arrived after {@code afterReceivedId} (0 for all), in arrival order. */
    List<Entry> after(UUID jobId, long afterReceivedId) {
        return jdbc.sql("""
                        select received_id, attempt, sequence, type, at, payload::text as payload
                        from job_events where job_id = :jobId and received_id > :after
                        order by received_id""")
                .param("jobId", jobId)
                .param("after", afterReceivedId)
                .query((rs, row) -> new Entry(rs.getLong("received_id"), new JobEventView(
                        rs.getInt("attempt"), rs.getLong("sequence"), rs.getString("type"),
                        rs.getTimestamp("at").toInstant(), rs.getString("payload"))))
                .list();
    }
}
