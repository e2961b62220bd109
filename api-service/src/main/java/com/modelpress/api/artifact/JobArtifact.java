package com.modelpress.api.artifact;

import jakarta.persistence.Column;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** A file a worker stored for a job; immutable once recorded. */
@Entity
@Table(name = "artifacts")
class JobArtifact {

    @EmbeddedId
    private ArtifactId id;

    @Column(nullable = false)
    private String key;

    @Column(name = "size", nullable = false)
    private long sizeBytes;

    @Column(nullable = false, columnDefinition = "bpchar(64)")
    private String sha256;

    @Column(nullable = false)
    private String contentType;

    /** The attempt that produced it. */
    private int attempt;

    protected JobArtifact() {
    }

    JobArtifact(ArtifactId id, String key, long sizeBytes, String sha256, String contentType, int attempt) {
        this.id = id;
        this.key = key;
        this.sizeBytes = sizeBytes;
        this.sha256 = sha256;
        this.contentType = contentType;
        this.attempt = attempt;
    }

    ArtifactId id() { return id; }
    String key() { return key; }
    long sizeBytes() { return sizeBytes; }
    String sha256() { return sha256; }
    String contentType() { return contentType; }
    int attempt() { return attempt; }
}
