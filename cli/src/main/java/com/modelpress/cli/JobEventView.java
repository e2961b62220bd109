package com.modelpress.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.Optional;

/**
 * One entry of {@code GET /api/v1/jobs/{id}/events} (api-service's {@code JobEventView}): the envelope the API adds,
 * and the event as the worker sent it in {@code payload}. {@code FakeApiContractIntegrationTest} holds these names
 * and their nesting to the real API.
 *
 * @param type    {@code started}, {@code progress}, {@code heartbeat}, {@code succeeded}, {@code failed} or
 *                {@code cancelled}
 * @param payload nullable: the worker's event; its {@code step} and {@code fraction} are set on progress events
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record JobEventView(String type, int attempt, long sequence, String at, Payload payload) {

    static final String PROGRESS = "progress";

    /** The step and fraction of a progress event; empty for any other event. */
    Optional<Payload> progress() {
        return PROGRESS.equals(type) && payload != null && payload.step() != null && payload.fraction() != null
                ? Optional.of(payload) : Optional.empty();
    }

    /**
     * @param step     nullable: set on progress events
     * @param fraction nullable: 0..1, set on progress events
     * @param message  nullable
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Payload(String step, Double fraction, String message) {}
}
