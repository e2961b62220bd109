package com.modelpress.api.artifact;

import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.storage.ArtifactStore;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import java.util.List;
import java.util.UUID;

/** Records the files a worker produced for a job. Thread-safe. */
@Component
public class ArtifactCatalog {

    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    private final ArtifactRepository artifacts;

    ArtifactCatalog(ArtifactRepository artifacts) {
        this.artifacts = artifacts;
    }

    /**
     * Part of the caller's transaction, so the files are recorded together with the job's success.
     *
     * @throws IllegalArgumentException when a reference has an invalid storage key
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(UUID jobId, int attempt, List<ArtifactRef> refs) {
        for (ArtifactRef ref : refs) {
            ArtifactStore.checkKey(ref.key());
            String contentType = ref.contentType() == null || ref.contentType().isBlank()
                    ? DEFAULT_CONTENT_TYPE : ref.contentType();
            artifacts.save(new JobArtifact(new ArtifactId(jobId, ref.name()), ref.key(), ref.sizeBytes(),
                    ref.sha256(), contentType, attempt));
        }
    }
}
