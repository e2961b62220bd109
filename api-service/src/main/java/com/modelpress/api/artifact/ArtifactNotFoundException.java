package com.modelpress.api.artifact;

import java.util.UUID;

/** The job has no artifact of that name (or its file is gone from storage). */
public final class ArtifactNotFoundException extends RuntimeException {

    ArtifactNotFoundException(UUID jobId, String name, String reason) {
        super("Job %s has no artifact '%s'%s".formatted(jobId, name, reason));
    }
}
