package com.modelpress.contracts.job;

import java.util.UUID;

/** Broadcast to every worker: stop working on {@code jobId} if you hold it. */
public record CancelMessage(int schemaVersion, UUID jobId) {

    public static final int SCHEMA_VERSION = 1;
}
