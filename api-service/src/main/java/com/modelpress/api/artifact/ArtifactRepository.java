package com.modelpress.api.artifact;

import org.springframework.data.jpa.repository.JpaRepository;

import java.util.List;
import java.util.UUID;

interface ArtifactRepository extends JpaRepository<JobArtifact, ArtifactId> {

    List<JobArtifact> findByIdJobIdOrderByIdName(UUID jobId);
}
