package com.modelpress.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One entry of {@code GET /api/v1/jobs/{id}/events}.
 *
 * @param step     nullable: set on progress events
 * @param fraction nullable: 0..1, set on progress events
 * @param message  nullable
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record JobEventView(String type, int attempt, long sequence, String at, String step, Double fraction, String message) {}
