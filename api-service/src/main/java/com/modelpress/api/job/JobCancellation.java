package com.modelpress.api.job;

import com.modelpress.api.outbox.Outbox;
import com.modelpress.api.security.Caller;
import com.modelpress.contracts.job.CancelMessage;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.orm.ObjectOptimisticLockingFailureException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

import java.util.UUID;

/**
 * Cancels jobs, idempotently: a queued job is cancelled at once; a running one becomes CANCELLING and every
 * worker is told (through the outbox) to stop it. A job cancelled at once is announced as a {@link JobChanged} in the
 * same transaction. Thread-safe.
 */
@Component
class JobCancellation {

    private static final int ATTEMPTS = 3;

    private final JobRepository jobs;
    private final Outbox outbox;
    private final TransactionTemplate transactions;
    private final JsonMapper json;
    private final ApplicationEventPublisher publisher;

    JobCancellation(JobRepository jobs, Outbox outbox, TransactionTemplate transactions, JsonMapper json,
                    ApplicationEventPublisher publisher) {
        this.jobs = jobs;
        this.outbox = outbox;
        this.transactions = transactions;
        this.json = json;
        this.publisher = publisher;
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
                    JobView view = JobView.from(job, json);
                    if (before != JobStatus.CANCELLED && job.status() == JobStatus.CANCELLED) {
                        publisher.publishEvent(new JobChanged(view, JobChanged.Change.CANCELLED, null));
                    }
                    return view;
                });
            } catch (ObjectOptimisticLockingFailureException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
