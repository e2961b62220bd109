package com.modelpress.api.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.modelpress.api.job.JobChanged;
import com.modelpress.api.job.JobView;

import java.time.Instant;

/**
 * The body of every webhook, in the Standard Webhooks shape.
 *
 * @param type      {@code job.succeeded}, {@code job.failed}, {@code job.cancelled} or {@code job.progress}
 * @param timestamp when the change happened (every attempt carries its own time in {@code webhook-timestamp})
 * @param data      the job, exactly as {@code GET /api/v1/jobs/{id}} returns it
 * @param progress  only for {@code job.progress}: the step the worker reported
 */
record WebhookPayload(String type, Instant timestamp, JobView data,
                      @JsonInclude(JsonInclude.Include.NON_NULL) JobChanged.Progress progress) {
}
