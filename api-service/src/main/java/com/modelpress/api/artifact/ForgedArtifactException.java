package com.modelpress.api.artifact;

/**
 * A worker event names an artifact the job cannot have produced: a key outside the job's attempt folders, or an object
 * that is missing or has another digest or size. The event changes nothing.
 */
public final class ForgedArtifactException extends RuntimeException {

    ForgedArtifactException(String jobId, String key, String reason) {
        super("artifact '%s' of job %s refused: %s".formatted(key.length() > 200 ? key.substring(0, 200) + "…" : key,
                jobId, reason));
    }
}
