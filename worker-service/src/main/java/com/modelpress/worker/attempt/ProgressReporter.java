package com.modelpress.worker.attempt;

import com.modelpress.contracts.job.JobEvent;
import com.modelpress.worker.events.AttemptEvents;
import com.modelpress.worker.events.ProgressThrottle;
import com.modelpress.worker.failure.JobCancelledException;
import com.modelpress.worker.sandbox.EngineProgress;

import java.time.Clock;

/**
 * Turns progress callbacks into throttled {@code Progress} events, and stops the attempt with
 * {@link JobCancelledException} at the first callback after the job was cancelled.
 *
 * <p>Thread-safe; one instance per attempt.
 */
final class ProgressReporter implements EngineProgress {

    private final AttemptEvents events;
    private final ProgressThrottle throttle;
    private final CancelledJobs cancelled;
    private final Clock clock;

    ProgressReporter(AttemptEvents events, ProgressThrottle throttle, CancelledJobs cancelled, Clock clock) {
        this.events = events;
        this.throttle = throttle;
        this.cancelled = cancelled;
        this.clock = clock;
    }

    @Override
    public void onProgress(String step, double fraction) {
        checkCancelled(step);
        synchronized (this) {
            throttle.offer(step, fraction, clock.instant()).forEach(this::publish);
        }
    }

    /** Publishes the last update a step held back. */
    synchronized void flush() {
        throttle.flush().ifPresent(this::publish);
    }

    @Override
    public void checkCancelled(String during) {
        if (cancelled.isCancelled(events.jobId())) {
            throw new JobCancelledException(events.jobId(), during);
        }
    }

    private void publish(ProgressThrottle.Update update) {
        events.send((jobId, attempt, sequence, at) ->
                new JobEvent.Progress(jobId, attempt, sequence, at, update.step(), update.fraction(), null));
    }
}
