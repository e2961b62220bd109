package com.modelpress.api.job;

import com.modelpress.api.outbox.Outbox;
import com.modelpress.api.security.Caller;
import com.modelpress.contracts.job.CancelMessage;
import org.springframework.orm.ObjectOptimisticLockingFailureException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

import java.util.UUID;

/**
 * Cancels jobs, idempotently: a queued job is cancelled at once; a running one becomes CANCELLING and every
 * worker is told (through the outbox) to stop it. Thread-safe.
 */
@Component
class JobCancellation {

    private static final int ATTEMPTS = 3;

    private final JobRepository jobs;
    private final Outbox outbox;
    private final TransactionTemplate transactions;
    private final JsonMapper json;

    JobCancellation(JobRepository jobs, Outbox outbox, TransactionTemplate transactions, JsonMapper json) {
        this.jobs = jobs;
        this.outbox = outbox;
        this.transactions = transactions;
        this.json = json;
    }

    /**
     * @throws IllegalJobTransitionException when the job already succeeded or failed
     * @throws JobNotFoundException          when there is no such job or the caller may not see it
     */
    JobView cancel(UUID id, Caller caller) {
        for (int attempt = 1; ; attempt++) {
            try {
                return transactions.execute(status -> {
                    CompressionJob job = jobs.findByIdAndDeletedAtIsNull(id).filter(found -> caller.canSee(found.owner()))
                            .orElseThrow(() -> new JobNotFoundException(id));
                    JobStatus before = job.status();
                    job.requestCancel();
                    if (before != JobStatus.CANCELLING && job.status() == JobStatus.CANCELLING) {
                        outbox.enqueue(new CancelMessage(CancelMessage.SCHEMA_VERSION, id));
                    }
                    jobs.flush();
                    return JobView.from(job, json);
                });
            } catch (ObjectOptimisticLockingFailureException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
