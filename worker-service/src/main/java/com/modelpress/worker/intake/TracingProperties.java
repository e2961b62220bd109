package com.modelpress.worker.intake;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param enabled the one switch: spans are exported over OTLP/HTTP to
 *                {@code management.opentelemetry.tracing.export.otlp.endpoint}; job messages' trace context is
 *                continued, and events carry it back to the API
 */
@ConfigurationProperties("modelpress.tracing")
record TracingProperties(@DefaultValue("false") boolean enabled) {
}
