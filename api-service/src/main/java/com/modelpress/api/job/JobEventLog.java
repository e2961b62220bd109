package com.modelpress.api.job;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /** The newest arrival number, 0 when no event was ever recorded. */
    long newest() {
        return jdbc.sql("select coalesce(max(received_id), 0) from job_events").query(Long.class).single();
    }

    /** Events of a job that arrived up to {@code upToReceivedId}, in arrival order. */
    List<Entry> upTo(UUID jobId, long upToReceivedId) {
        return jdbc.sql("""
                        select received_id, attempt, sequence, type, at, payload::text as payload
                        from job_events where job_id = :jobId and received_id <= :upTo
                        order by received_id""")
                .param("jobId", jobId)
                .param("upTo", upToReceivedId)
                .query((rs, row) -> entry(rs))
                .list();
    }

    /** Events of the jobs that arrived after {@code after} and up to {@code upTo}, by job, each in arrival order. */
    Map<UUID, List<Entry>> between(Collection<UUID> jobIds, long after, long upTo) {
        Map<UUID, List<Entry>> byJob = new HashMap<>();
        jdbc.sql("""
                        select job_id, received_id, attempt, sequence, type, at, payload::text as payload
                        from job_events where job_id in (:jobIds) and received_id > :after and received_id <= :upTo
                        order by received_id""")
                .param("jobIds", jobIds)
                .param("after", after)
                .param("upTo", upTo)
                .query((rs, row) -> {
                    byJob.computeIfAbsent(rs.getObject("job_id", UUID.class), id -> new ArrayList<>()).add(entry(rs));
                    return null;
                })
                .list();
        return byJob;
    }

    private static Entry entry(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Entry(rs.getLong("received_id"), new JobEventView(rs.getInt("attempt"), rs.getLong("sequence"),
                rs.getString("type"), rs.getTimestamp("at").toInstant(), rs.getString("payload")));
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
