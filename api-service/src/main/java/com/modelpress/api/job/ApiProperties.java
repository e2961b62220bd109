package com.modelpress.api.job;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

/**
 * @param maxUploadSize      largest model file accepted by {@code POST /api/v1/jobs}; the whole multipart body may hold
 *                           this plus {@value UploadConfiguration#ENVELOPE_BYTES} bytes (the other parts, framing)
 * @param maxRequestBody     largest body of any other request (JSON of {@code POST /api/v1/api-keys}, …); a body
 *                           announced larger is refused with 413 before it is read
 * @param maxJobRequestSize  largest {@code request} part (the compression request JSON) of a submit
 * @param defaultPageSize    jobs per page when {@code limit} is not given
 * @param maxPageSize        largest {@code limit} accepted
 * @param eventStreamTimeout how long an SSE stream of job events stays open at most
 * @param eventPollInterval  how often the one poller behind every SSE stream looks for new events
 * @param eventStreamKeepAlive longest quiet time on an SSE stream before a comment line is sent (keeps proxies from
 *                           closing it, and frees the place of a client that went away)
 * @param maxEventStreamsPerKey SSE streams one API key may have open at once (429 beyond)
 * @param maxEventStreams    SSE streams the API keeps open at once in all (503 beyond)
 */
@ConfigurationProperties("modelpress.api")
record ApiProperties(
        @DefaultValue("2GB") DataSize maxUploadSize,
        @DefaultValue("64KB") DataSize maxRequestBody,
        @DefaultValue("64KB") DataSize maxJobRequestSize,
        @DefaultValue("20") int defaultPageSize,
        @DefaultValue("100") int maxPageSize,
        @DefaultValue("30m") Duration eventStreamTimeout,
        @DefaultValue("500ms") Duration eventPollInterval,
        @DefaultValue("15s") Duration eventStreamKeepAlive,
        @DefaultValue("4") int maxEventStreamsPerKey,
        @DefaultValue("256") int maxEventStreams) {

    ApiProperties {
        if (maxRequestBody.toBytes() < 1024 || maxJobRequestSize.toBytes() < 1024) {
            throw new IllegalArgumentException("modelpress.api.max-request-body and max-job-request-size must be at "
                    + "least 1KB, not %s and %s".formatted(maxRequestBody, maxJobRequestSize));
        }
        if (maxEventStreamsPerKey < 1 || maxEventStreams < maxEventStreamsPerKey) {
            throw new IllegalArgumentException("modelpress.api.max-event-streams-per-key must be at least 1 and "
                    + "max-event-streams at least that, not %d and %d".formatted(maxEventStreamsPerKey, maxEventStreams));
        }
        if (!eventStreamTimeout.isPositive() || !eventPollInterval.isPositive() || !eventStreamKeepAlive.isPositive()) {
            throw new IllegalArgumentException("modelpress.api.event-stream-timeout, event-poll-interval and "
                    + "event-stream-keep-alive must be positive");
        }
    }
}
