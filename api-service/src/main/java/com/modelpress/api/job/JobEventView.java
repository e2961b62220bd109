package com.modelpress.api.job;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.swagger.v3.oas.annotations.media.Schema;

import java.time.Instant;

/**
 * One event a worker reported.
 *
 * @param type    {@code started | progress | heartbeat | succeeded | failed | cancelled}
 * @param payload the event as the worker sent it
 */
record JobEventView(int attempt, long sequence, String type, Instant at,
                    @JsonRawValue @Schema(type = "object", types = "object", implementation = Object.class) String payload) {}
