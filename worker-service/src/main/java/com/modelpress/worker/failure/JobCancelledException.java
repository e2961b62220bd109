package com.modelpress.worker.failure;

import java.util.UUID;

/**
 * The job was cancelled while an attempt ran. Unchecked because it is thrown from inside the engine's progress
 * callbacks to stop the engine mid-step.
 */
public final class JobCancelledException extends RuntimeException {

    public JobCancelledException(UUID jobId, String during) {
        super("job %s was cancelled during %s".formatted(jobId, during));
    }
}
