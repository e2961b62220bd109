package com.modelpress.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test double of the ModelPress REST API, just enough for the CLI: one job whose states are scripted, its events,
 * report and artifacts. It keeps what the CLI uploaded so that tests can compare it byte for byte. Its answers are
 * held to the real API's ({@code /v3/api-docs} and a real job's) by {@link FakeApiContractIntegrationTest}: change
 * them only together with the API.
 */
final class FakeApiServer implements AutoCloseable {

    static final String JOB_ID = "0b5e7c6e-1f4e-4c1a-9d8a-2c3f1e5b7a90";

    private final HttpServer server;
    /** Job states returned by successive GET /jobs/{id}; the last one repeats. */
    final List<String> statuses = new CopyOnWriteArrayList<>(List.of("SUCCEEDED"));
    final AtomicInteger statusReads = new AtomicInteger();
    volatile String reportJson = report(0.9991);
    volatile String submitProblem;
    volatile int submitStatus = 202;
    final Map<String, byte[]> artifacts = new LinkedHashMap<>();
    /** When set, the Repr-Digest header of this artifact announces another file's digest. */
    volatile String corruptDigestOf;
    volatile byte[] uploadedBody;
    volatile String uploadedContentType;
    volatile String uploadedIdempotencyKey;
    volatile Long uploadedContentLength;
    /** When set, every request must carry {@code Authorization: Bearer <requiredKey>}, else it gets {@link #authStatus}. */
    volatile String requiredKey;
    volatile int authStatus = 401;
    /** The Authorization header of every request, in order (an empty string when there was none). */
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    FakeApiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v1/jobs", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static String report(double cosineMean) {
        return """
                {"schemaVersion":1,"method":"int8","options":{"excludeNodes":[]},"inputSha256":"aa","outputSha256":"bb",
                 "nothingToCompress":false,
                 "sizes":{"originalBytes":4000,"compressedBytes":1000,"ratio":0.25,"originalWeightBytes":4000,"compressedWeightBytes":1000},
                 "bitsPerWeight":8.1,
                 "outputs":[{"name":"y","cosineMean":%s,"cosineMin":0.99,"relativeL2":0.01,"maxAbsError":0.1,"sqnrDb":40.0,"vectors":8},
                            {"name":"z","cosineMean":0.9999,"cosineMin":0.999,"relativeL2":0.001,"maxAbsError":0.01,"sqnrDb":60.0,"vectors":8}],
                 "tensors":[],"evaluation":{"source":"synthesised","samples":8,"description":[]},"seed":7,
                 "sessionOptions":{},"versions":{"engine":"0.1.0","onnxRuntime":"1.29.0","java":"25"},
                 "timings":[{"step":"compress","millis":12}],"notes":[],"unknownLaterField":true}
                """.formatted(cosineMean);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(authorization == null ? "" : authorization);
            if (requiredKey != null && !("Bearer " + requiredKey).equals(authorization)) {
                exchange.getRequestBody().readAllBytes();
                if (authStatus == 401) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"modelpress\"");
                    problem(exchange, 401, "Unauthorized", "The API key is not valid", "invalid_api_key");
                } else {
                    problem(exchange, authStatus, "Forbidden", "This endpoint needs an admin key", "admin_required");
                }
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String jobPath = "/api/v1/jobs/" + JOB_ID;
            if (exchange.getRequestMethod().equals("POST") && path.equals("/api/v1/jobs")) {
                submit(exchange);
            } else if (path.equals(jobPath)) {
                int read = statusReads.getAndIncrement();
                String status = statuses.get(Math.min(read, statuses.size() - 1));
                json(exchange, 200, job(status, 1));
            } else if (path.equals(jobPath + "/events")) {
                int shown = Math.min(statusReads.get(), 4);
                List<String> events = new ArrayList<>();
                events.add(event(1, "started", "\"workerId\":\"fake-host/1/worker\""));
                for (int i = 1; i < shown; i++) {
                    events.add(event(i + 1, "progress", "\"step\":\"compress\",\"fraction\":%s,\"message\":null"
                            .formatted(i / 4.0)));
                }
                json(exchange, 200, "[" + String.join(",", events) + "]");
            } else if (path.equals(jobPath + "/report")) {
                json(exchange, 200, reportJson);
            } else if (path.equals(jobPath + "/report.html")) {
                // the page the API renders, from the same renderer and this server's report
                exchange.getResponseHeaders().set("Content-Type", "text/html;charset=UTF-8");
                send(exchange, 200, com.modelpress.report.HtmlReport.render(ApiClient.JSON.readValue(reportJson,
                        com.modelpress.contracts.FidelityReport.class), com.modelpress.report.ReportSubject.titled("job " + JOB_ID)));
            } else if (path.equals(jobPath + "/artifacts")) {
                List<String> list = new ArrayList<>();
                artifacts.forEach((name, bytes) -> list.add(
                        "{\"name\":\"%s\",\"sizeBytes\":%d,\"sha256\":\"%s\",\"contentType\":\"application/octet-stream\",\"href\":\"%s/artifacts/%s\"}"
                                .formatted(name, bytes.length, HexFormat.of().formatHex(sha256(bytes)), jobPath, name)));
                json(exchange, 200, "[" + String.join(",", list) + "]");
            } else if (path.startsWith(jobPath + "/artifacts/") && artifacts.containsKey(path.substring(path.lastIndexOf('/') + 1))) {
                String name = path.substring(path.lastIndexOf('/') + 1);
                byte[] bytes = artifacts.get(name);
                byte[] announced = name.equals(corruptDigestOf) ? new byte[] {1, 2, 3} : bytes;
                exchange.getResponseHeaders().set("Repr-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(sha256(announced)) + ":");
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            } else {
                problem(exchange, 404, "Not Found", "no job " + path, "job_not_found");
            }
        }
    }

    private void submit(HttpExchange exchange) throws IOException {
        uploadedContentType = exchange.getRequestHeaders().getFirst("Content-Type");
        uploadedIdempotencyKey = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        uploadedContentLength = length == null ? null : Long.parseLong(length);
        try (InputStream in = exchange.getRequestBody()) {
            uploadedBody = in.readAllBytes();
        }
        if (submitProblem != null) {
            problem(exchange, submitStatus, "Invalid model", submitProblem, "invalid_model");
            return;
        }
        exchange.getResponseHeaders().set("Location", "/api/v1/jobs/" + JOB_ID);
        json(exchange, 202, submitResponse());
    }

    /** The body of a {@code 202} to {@code POST /api/v1/jobs}: the job as it was queued. */
    String submitResponse() {
        return job("QUEUED", 0);
    }

    /**
     * A job as {@code GET /api/v1/jobs/{id}} shows it: the real API's {@code JobView}, timestamps nested, links, and
     * the error of a failed job.
     */
    private static String job(String status, int attempt) {
        String error = status.equals("FAILED") ? "{\"code\":\"invalid_model\",\"message\":\"graph has no nodes\"}" : "null";
        String self = "/api/v1/jobs/" + JOB_ID;
        return """
                {"id":"%s","owner":"ci","status":"%s","method":"int8","attempt":%d,"error":%s,"reportAvailable":%s,
                 "modelKind":null,
                 "timestamps":{"createdAt":"2026-01-01T00:00:00Z","queuedAt":"2026-01-01T00:00:00Z","startedAt":null},
                 "links":{"self":"%s","events":"%s/events","report":"%s/report","artifacts":"%s/artifacts",
                          "cancel":"%s/cancel"}}"""
                .formatted(JOB_ID, status, attempt, error, status.equals("SUCCEEDED"), self, self, self, self, self);
    }

    /** One entry of the event list: the API's envelope and the worker's event as its payload. */
    private static String event(long sequence, String type, String fields) {
        String at = "2026-01-01T00:00:%02dZ".formatted(sequence);
        return """
                {"attempt":1,"sequence":%d,"type":"%s","at":"%s",
                 "payload":{"type":"%s","jobId":"%s","attempt":1,"sequence":%d,"at":"%s",%s}}"""
                .formatted(sequence, type, at, type, JOB_ID, sequence, at, fields);
    }

    /** The parts of the uploaded multipart body, by name, as raw bytes. */
    Map<String, byte[]> uploadedParts() {
        String boundary = uploadedContentType.substring(uploadedContentType.indexOf("boundary=") + "boundary=".length());
        byte[] body = uploadedBody;
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        Map<String, byte[]> parts = new LinkedHashMap<>();
        int at = indexOf(body, delimiter, 0);
        while (at >= 0) {
            int headerStart = at + delimiter.length;
            if (body[headerStart] == '-' && body[headerStart + 1] == '-') {
                break;
            }
            int headerEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headerStart);
            String headers = new String(body, headerStart, headerEnd - headerStart, StandardCharsets.UTF_8);
            String name = headers.replaceAll("(?s).*form-data; name=\"([^\"]+)\".*", "$1");
            int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), headerEnd + 4);
            parts.put(name, java.util.Arrays.copyOfRange(body, headerEnd + 4, next));
            at = next + 2;
        }
        return parts;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void problem(HttpExchange exchange, int status, String title, String detail, String code) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
        send(exchange, status, "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\",\"code\":\"%s\"}"
                .formatted(title, status, detail, code));
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, status, body);
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
