package com.modelpress.api.artifact;

/**
 * A downloadable file of a job.
 *
 * @param sha256 lowercase hex SHA-256 of the content; the download's strong ETag and Repr-Digest carry it too
 * @param href   where to download it
 */
record ArtifactView(String name, long sizeBytes, String sha256, String contentType, String href) {

    static ArtifactView from(JobArtifact artifact) {
        return new ArtifactView(artifact.id().name(), artifact.sizeBytes(), artifact.sha256(), artifact.contentType(),
                ArtifactController.BASE.replace("{id}", artifact.id().jobId().toString()) + "/" + artifact.id().name());
    }
}
