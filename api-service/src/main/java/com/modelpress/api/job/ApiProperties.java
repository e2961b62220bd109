package com.modelpress.api.job;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

/**
 * @param maxUploadSize     largest model file accepted by {@code POST /api/v1/jobs}
 * @param defaultPageSize   jobs per page when {@code limit} is not given
 * @param maxPageSize       largest {@code limit} accepted
 * @param eventStreamTimeout how long an SSE stream of job events stays open at most
 * @param eventPollInterval how often an SSE stream looks for new events
 */
@ConfigurationProperties("modelpress.api")
record ApiProperties(
        @DefaultValue("2GB") DataSize maxUploadSize,
        @DefaultValue("20") int defaultPageSize,
        @DefaultValue("100") int maxPageSize,
        @DefaultValue("30m") Duration eventStreamTimeout,
        @DefaultValue("500ms") Duration eventPollInterval) {
}
