package com.modelpress.api.artifact;

import jakarta.persistence.Embeddable;

import java.util.UUID;

/** An artifact is named uniquely within its job. */
@Embeddable
record ArtifactId(UUID jobId, String name) {}
