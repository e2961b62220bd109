package com.modelpress.worker.events;

import com.modelpress.contracts.job.JobEvent;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * The events of one attempt: numbers them from 1 and publishes them in that order, one at a time. After the
 * terminal event nothing more is sent (a late heartbeat is dropped). Every event is published in the context (trace)
 * of the thread that made this instance, so heartbeats from the scheduler's thread belong to the attempt's trace too.
 *
 * <p>Thread-safe: the job thread and the heartbeat scheduler share an instance.
 */
public final class AttemptEvents {

    /** Makes an event from the numbers this class assigns. */
    @FunctionalInterface
    public interface Factory {
        JobEvent create(UUID jobId, int attempt, long sequence, Instant at);
    }

    private final EventPublisher publisher;
    private final UUID jobId;
    private final int attempt;
    private final Clock clock;
    private final ContextSnapshot context = ContextSnapshotFactory.builder().build().captureAll();
    private long sequence;
    private boolean finished;

    public AttemptEvents(EventPublisher publisher, UUID jobId, int attempt, Clock clock) {
        this.publisher = publisher;
        this.jobId = jobId;
        this.attempt = attempt;
        this.clock = clock;
    }

    public UUID jobId() {
        return jobId;
    }

    public int attempt() {
        return attempt;
    }

    /**
     * Publishes a non-terminal event. An unconfirmed one is logged and otherwise ignored: the attempt goes on.
     *
     * @return whether it was published and confirmed; false also after the terminal event
     */
    public synchronized boolean send(Factory factory) {
        if (finished) {
            return false;
        }
        return publish(factory.create(jobId, attempt, ++sequence, clock.instant()));
    }

    private boolean publish(JobEvent event) {
        try (ContextSnapshot.Scope scope = context.setThreadLocals()) {
            return publisher.publish(event);
        }
    }

    /**
     * Publishes the terminal event; nothing is sent after it.
     *
     * @return whether the broker confirmed it
     * @throws IllegalStateException when the attempt already has its terminal event
     */
    public synchronized boolean finish(Factory factory) {
        if (finished) {
            throw new IllegalStateException("attempt %d of job %s already has its terminal event".formatted(attempt, jobId));
        }
        finished = true;
        return publish(factory.create(jobId, attempt, ++sequence, clock.instant()));
    }
}
