package com.modelpress.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A job as {@code GET /api/v1/jobs/{id}} shows it (api-service's {@code JobView}); only what the CLI uses.
 * {@code FakeApiContractIntegrationTest} holds these names and their nesting to the real API.
 *
 * @param error           nullable: set when the job failed
 * @param reportAvailable nullable (a server from before it): whether {@code GET …/report} has a report
 * @param modelKind       nullable: what the report recognised, once the job succeeded ({@code decoder-lm}, …)
 * @param timestamps      nullable (a server from before it): when the job reached each point
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record JobView(String id, String status, String method, int attempt, Error error, Boolean reportAvailable,
               String modelKind, Timestamps timestamps) {

    /** True for SUCCEEDED, FAILED and CANCELLED: nothing changes after them. */
    boolean terminal() {
        return switch (status) {
            case "SUCCEEDED", "FAILED", "CANCELLED" -> true;
            default -> false;
        };
    }

    /** @return nullable: when the job was submitted (ISO-8601), as the server wrote it */
    String createdAt() {
        return timestamps == null ? null : timestamps.createdAt();
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Error(String code, String message) {}

    /** Each nullable until the job reached that point; ISO-8601 instants. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Timestamps(String createdAt, String startedAt, String finishedAt) {}
}
