package com.modelpress.api.artifact;

import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.StoredArtifact;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;

/**
 * Records the files a worker produced for a job. Anyone who can publish to the broker can send an event, so a reference
 * is believed only when it names an object under the job's own {@code jobs/<jobId>/attempt-<n>/} folder that exists in
 * storage with the digest and size the event claims. Thread-safe.
 */
@Component
public class ArtifactCatalog {

    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    private final ArtifactRepository artifacts;
    private final ArtifactStore store;

    ArtifactCatalog(ArtifactRepository artifacts, ArtifactStore store) {
        this.artifacts = artifacts;
        this.store = store;
    }

    /**
     * Part of the caller's transaction, so the files are recorded together with the job's success.
     *
     * @throws IllegalArgumentException when a reference has an invalid storage key
     * @throws ForgedArtifactException  when a reference names another job's object, or an object that is not there as
     *                                  described
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(UUID jobId, int attempt, List<ArtifactRef> refs) {
        for (ArtifactRef ref : refs) {
            ArtifactStore.checkKey(ref.key());
            check(jobId, ref);
            String contentType = ref.contentType() == null || ref.contentType().isBlank()
                    ? DEFAULT_CONTENT_TYPE : ref.contentType();
            artifacts.save(new JobArtifact(new ArtifactId(jobId, ref.name()), ref.key(), ref.sizeBytes(),
                    ref.sha256(), contentType, attempt));
        }
    }

    private void check(UUID jobId, ArtifactRef ref) {
        String folder = "jobs/%s/attempt-".formatted(jobId);
        if (!ref.key().startsWith(folder) || ref.key().indexOf('/', folder.length()) < 0) {
            throw new ForgedArtifactException(jobId.toString(), ref.key(), "not under " + folder + "<n>/");
        }
        StoredArtifact stored;
        try {
            stored = store.stat(ref.key()).orElseThrow(() -> new ForgedArtifactException(jobId.toString(), ref.key(),
                    "no such object in storage"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not check artifact " + ref.key() + " of job " + jobId, e);
        }
        if (ref.sha256() == null || !stored.sha256().equalsIgnoreCase(ref.sha256()) || stored.sizeBytes() != ref.sizeBytes()) {
            throw new ForgedArtifactException(jobId.toString(), ref.key(), "storage holds %d bytes with SHA-256 %s, the "
                    .formatted(stored.sizeBytes(), stored.sha256()) + "event claims %d bytes with %s"
                    .formatted(ref.sizeBytes(), ref.sha256()));
        }
    }
}
