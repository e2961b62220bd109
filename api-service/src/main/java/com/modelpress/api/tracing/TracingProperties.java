package com.modelpress.api.tracing;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param enabled the one switch: spans are exported over OTLP/HTTP to
 *                {@code management.opentelemetry.tracing.export.otlp.endpoint}, and the trace context travels in the
 *                AMQP message headers (outbox → jobs queue → worker → events → webhook deliveries)
 */
@ConfigurationProperties("modelpress.tracing")
record TracingProperties(@DefaultValue("false") boolean enabled) {
}
