package com.modelpress.api.tracing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Carries a trace across a table: {@link #current()} gives the current span's context as propagation headers (W3C
 * {@code traceparent}, …) to store with a row; {@link #continueTrace} starts a span that continues it on the thread
 * that later acts on the row. Everything is a no-op while {@code modelpress.tracing.enabled} is false. Thread-safe.
 */
@Component
public class TraceContexts {

    /** Span attribute naming the job a span worked on. */
    public static final String JOB_ID = "modelpress.job.id";

    /** Null while tracing is off. */
    private final Tracer tracer;
    private final Propagator propagator;

    TraceContexts(TracingProperties properties, ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        boolean on = properties.enabled() && tracer.getIfAvailable() != null && propagator.getIfAvailable() != null;
        this.tracer = on ? tracer.getObject() : null;
        this.propagator = on ? propagator.getObject() : null;
    }

    /** @return the current span's context as headers; empty while tracing is off or no span is current */
    public Map<String, String> current() {
        if (tracer == null) {
            return Map.of();
        }
        Span span = tracer.currentSpan();
        if (span == null) {
            return Map.of();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        propagator.inject(span.context(), headers, Map::put);
        return Map.copyOf(headers);
    }

    /** Sets an attribute on the current span, if there is one. */
    public void tagCurrent(String key, String value) {
        if (tracer != null) {
            Span span = tracer.currentSpan();
            if (span != null) {
                span.tag(key, value);
            }
        }
    }

    /**
     * Starts a span named {@code name} that continues the trace in {@code headers} (empty or null: a new trace) and
     * puts it in scope on this thread until {@link Continued#close()}.
     */
    public Continued continueTrace(String name, Map<String, String> headers) {
        if (tracer == null) {
            return Continued.NONE;
        }
        Map<String, String> carrier = headers == null ? Map.of() : headers;
        Span span = propagator.extract(carrier, (map, key) -> map.get(key)).name(name).start();
        Tracer.SpanInScope scope = tracer.withSpan(span);
        return new Continued() {
            @Override
            public void tag(String key, String value) {
                span.tag(key, value);
            }

            @Override
            public void error(Throwable error) {
                span.error(error);
            }

            @Override
            public Map<String, String> headers() {
                Map<String, String> out = new LinkedHashMap<>();
                propagator.inject(span.context(), out, Map::put);
                return Map.copyOf(out);
            }

            @Override
            public void close() {
                scope.close();
                span.end();
            }
        };
    }

    /** A span in scope on the thread that started it; close it on that thread. Not thread-safe. */
    public interface Continued extends AutoCloseable {

        /** What {@link #continueTrace} returns while tracing is off. */
        Continued NONE = new Continued() {
            @Override
            public void tag(String key, String value) {
            }

            @Override
            public void error(Throwable error) {
            }

            @Override
            public Map<String, String> headers() {
                return Map.of();
            }

            @Override
            public void close() {
            }
        };

        void tag(String key, String value);

        void error(Throwable error);

        /** This span's context as propagation headers, e.g. to send on an outgoing HTTP request. */
        Map<String, String> headers();

        @Override
        void close();
    }
}
