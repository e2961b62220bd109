package com.modelpress.cli;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver in the test JVM ({@code POST /v1/traces}, protobuf): decodes each
 * {@code ExportTraceServiceRequest} with a plain protobuf reader (field numbers from opentelemetry-proto's
 * trace.proto, common.proto and resource.proto) and keeps every span with its service's name.
 */
final class OtlpReceiver implements AutoCloseable {

    /**
     * @param traceId      32 hex digits
     * @param parentSpanId empty for a root span
     * @param attributes   the span's string-valued attributes (others as their text)
     */
    record Span(String service, String traceId, String spanId, String parentSpanId, String name,
                Map<String, String> attributes) {}

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream raw = exchange.getRequestBody()) {
                InputStream in = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                        ? new GZIPInputStream(raw) : raw;
                spans.addAll(exportRequest(in.readAllBytes()));
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    List<Span> spans() {
        return List.copyOf(spans);
    }

    /** ExportTraceServiceRequest: 1 = repeated ResourceSpans. */
    static List<Span> exportRequest(byte[] bytes) throws IOException {
        List<Span> found = new ArrayList<>();
        for (byte[] resourceSpans : repeated(bytes, 1)) {
            // ResourceSpans: 1 = Resource (1 = repeated KeyValue attributes), 2 = repeated ScopeSpans
            String service = "";
            for (byte[] resource : repeated(resourceSpans, 1)) {
                service = attributes(resource, 1).getOrDefault("service.name", "");
            }
            for (byte[] scopeSpans : repeated(resourceSpans, 2)) {
                // ScopeSpans: 2 = repeated Span
                for (byte[] span : repeated(scopeSpans, 2)) {
                    found.add(span(service, span));
                }
            }
        }
        return found;
    }

    /** Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 9 repeated KeyValue attributes. */
    private static Span span(String service, byte[] bytes) throws IOException {
        Map<Integer, List<byte[]>> fields = lengthDelimited(bytes);
        return new Span(service, hex(first(fields, 1)), hex(first(fields, 2)), hex(first(fields, 4)),
                new String(first(fields, 5), java.nio.charset.StandardCharsets.UTF_8), attributes(bytes, 9));
    }

    /** KeyValue: 1 key, 2 AnyValue (1 string_value, 2 bool, 3 int, 4 double). */
    private static Map<String, String> attributes(byte[] message, int field) throws IOException {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (byte[] keyValue : repeated(message, field)) {
            CodedInputStream in = CodedInputStream.newInstance(keyValue);
            String key = null;
            String value = null;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (WireFormat.getTagFieldNumber(tag) == 1) {
                    key = in.readStringRequireUtf8();
                } else if (WireFormat.getTagFieldNumber(tag) == 2) {
                    value = anyValue(in.readByteArray());
                } else {
                    in.skipField(tag);
                }
            }
            if (key != null) {
                attributes.put(key, value);
            }
        }
        return attributes;
    }

    private static String anyValue(byte[] bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> { return in.readStringRequireUtf8(); }
                case 2 -> { return Boolean.toString(in.readBool()); }
                case 3 -> { return Long.toString(in.readInt64()); }
                case 4 -> { return Double.toString(in.readDouble()); }
                default -> in.skipField(tag);
            }
        }
        return "";
    }

    private static List<byte[]> repeated(byte[] message, int field) throws IOException {
        return lengthDelimited(message).getOrDefault(field, List.of());
    }

    /** Every length-delimited field of a message by number; other wire types are skipped. */
    private static Map<Integer, List<byte[]>> lengthDelimited(byte[] message) throws IOException {
        Map<Integer, List<byte[]>> fields = new LinkedHashMap<>();
        CodedInputStream in = CodedInputStream.newInstance(message);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                fields.computeIfAbsent(WireFormat.getTagFieldNumber(tag), n -> new ArrayList<>()).add(in.readByteArray());
            } else {
                in.skipField(tag);
            }
        }
        return fields;
    }

    private static byte[] first(Map<Integer, List<byte[]>> fields, int field) {
        List<byte[]> values = fields.get(field);
        return values == null || values.isEmpty() ? new byte[0] : values.getFirst();
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
