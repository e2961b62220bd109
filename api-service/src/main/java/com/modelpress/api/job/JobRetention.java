package com.modelpress.api.job;

import com.modelpress.api.security.Caller;
import com.modelpress.storage.ArtifactStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.orm.ObjectOptimisticLockingFailureException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Deletes finished jobs: on request ({@code DELETE /api/v1/jobs/{id}}) and, with
 * {@link RetentionProperties#finishedJobTtl()} set, those that ended longer ago. A deletion marks the job deleted (the
 * API shows it no more), then deletes everything under {@code jobs/<id>/} in artifact storage (the input, the
 * calibration samples, every attempt's files), then the row with its events and artifact rows. When storage fails
 * the mark stays and the sweeper's next pass tries again, so no object outlives its job for long. Thread-safe; several
 * API instances may sweep at once.
 */
@Component
class JobRetention {

    private static final Logger log = LoggerFactory.getLogger(JobRetention.class);
    private static final int ATTEMPTS = 3;

    private final JobRepository jobs;
    private final ArtifactStore store;
    private final TransactionTemplate transactions;
    private final JdbcClient jdbc;
    private final RetentionProperties properties;
    private final Clock clock = Clock.systemUTC();

    JobRetention(JobRepository jobs, ArtifactStore store, TransactionTemplate transactions, JdbcClient jdbc,
                 RetentionProperties properties) {
        this.jobs = jobs;
        this.store = store;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /**
     * @throws JobNotFoundException when there is no such job or the caller may not see it
     * @throws JobActiveException   when the job has not ended
     */
    void delete(UUID id, Caller caller) {
        for (int attempt = 1; ; attempt++) {
            try {
                transactions.executeWithoutResult(status -> {
                    CompressionJob job = jobs.findByIdAndDeletedAtIsNull(id).filter(found -> caller.canSee(found.owner()))
                            .orElseThrow(() -> new JobNotFoundException(id));
                    job.markDeleted();
                    jobs.flush();
                });
                break;
            } catch (ObjectOptimisticLockingFailureException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
        log.info("job {} deleted by {}", id, caller.keyId());
        purge(id);
    }

    /** One pass: marks the jobs past the TTL deleted, then purges every marked job (at most a batch of each). */
    void sweep() {
        try {
            if (properties.finishedJobTtl() != null) {
                Instant cutoff = clock.instant().minus(properties.finishedJobTtl()).truncatedTo(ChronoUnit.MICROS);
                List<UUID> expired = jdbc.sql("""
                                update jobs set deleted_at = :now, idempotency_key = null, updated_at = :now,
                                       version = version + 1
                                where id in (select id from jobs
                                             where deleted_at is null and finished_at < :cutoff
                                             order by finished_at limit :batch for update skip locked)
                                returning id""")
                        .param("now", Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)))
                        .param("cutoff", Timestamp.from(cutoff))
                        .param("batch", properties.sweepBatch())
                        .query(UUID.class)
                        .list();
                if (!expired.isEmpty()) {
                    log.info("{} jobs that ended before {} are deleted (modelpress.api.retention.finished-job-ttl={})",
                            expired.size(), cutoff, properties.finishedJobTtl());
                }
            }
            List<UUID> marked = jdbc.sql("select id from jobs where deleted_at is not null order by deleted_at limit :batch")
                    .param("batch", properties.sweepBatch())
                    .query(UUID.class)
                    .list();
            marked.forEach(this::purge);
        } catch (RuntimeException e) {
            log.warn("retention sweep failed; the next pass tries again: {}", e.toString());
        }
    }

    /** @return whether the job's objects and row are gone */
    private boolean purge(UUID id) {
        try {
            store.deleteAll("jobs/" + id);
        } catch (IOException | RuntimeException e) {
            log.warn("objects of deleted job {} could not be deleted yet; the sweeper tries again: {}", id, e.toString());
            return false;
        }
        jdbc.sql("delete from jobs where id = :id and deleted_at is not null").param("id", id).update();
        return true;
    }
}
