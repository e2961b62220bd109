package com.modelpress.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A job as {@code GET /api/v1/jobs/{id}} shows it; only what the CLI uses.
 *
 * @param error           nullable: set when the job failed
 * @param reportAvailable nullable (a server from before it): whether {@code GET …/report} has a report
 * @param modelKind       nullable: what the report recognised, once the job succeeded ({@code decoder-lm}, …)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record JobView(String id, String status, String method, int attempt, String createdAt, Error error,
               Boolean reportAvailable, String modelKind) {

    /** True for SUCCEEDED, FAILED and CANCELLED: nothing changes after them. */
    boolean terminal() {
        return switch (status) {
            case "SUCCEEDED", "FAILED", "CANCELLED" -> true;
            default -> false;
        };
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Error(String code, String message) {}
}
