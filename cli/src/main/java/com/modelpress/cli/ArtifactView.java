package com.modelpress.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One entry of {@code GET /api/v1/jobs/{id}/artifacts}.
 *
 * @param sizeBytes bytes
 * @param sha256 nullable: lower-case hex
 * @param href   nullable: where to fetch it, absolute or relative to the server
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ArtifactView(String name, long sizeBytes, String sha256, String contentType, String href) {}
