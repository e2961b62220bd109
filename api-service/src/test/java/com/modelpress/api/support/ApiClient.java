package com.modelpress.api.support;

import com.modelpress.api.problem.ProblemCodes;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Drives the API over real HTTP, sending an API key; never throws on an error status. */
public final class ApiClient {

    private final RestClient http;
    private final JsonMapper json;
    private final String base;
    private final String key;

    /** A client with the operator's admin key, {@link TestServices#ADMIN_KEY}. */
    public ApiClient(int port, JsonMapper json) {
        this(port, json, TestServices.ADMIN_KEY);
    }

    /** @param key nullable: no key is sent */
    public ApiClient(int port, JsonMapper json, String key) {
        this.base = "http://127.0.0.1:" + port;
        this.key = key;
        // the JDK's client, as before Apache HttpClient (the webhook sender's) joined the class path: RestClient would
        // pick that one by itself, and it answers this server's small responses tens of milliseconds later
        this.http = RestClient.builder().requestFactory(new org.springframework.http.client.JdkClientHttpRequestFactory())
                .baseUrl(base)
                .defaultHeaders(headers -> {
                    if (key != null) {
                        headers.setBearerAuth(key);
                    }
                })
                .build();
        this.json = json;
    }

    /** The same server with another key (nullable: none). */
    public ApiClient withKey(String otherKey) {
        return new ApiClient(Integer.parseInt(base.substring(base.lastIndexOf(':') + 1)), json, otherKey);
    }

    /** Nullable. */
    public String key() {
        return key;
    }

    public String base() {
        return base;
    }

    public record Response(int status, HttpHeaders headers, byte[] body, JsonMapper mapper) {
        public JsonNode json() {
            return mapper.readTree(body);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.getFirst(name);
        }

        public MediaType contentType() {
            return headers.getContentType();
        }

        /**
         * Asserts that this is the API's problem+json answer with {@code status} and {@code code} (its {@code type}
         * the code's URN, a title), and returns the problem.
         */
        public JsonNode problem(int status, String code) {
            String text = text();
            String shown = text.length() > 400 ? text.substring(0, 400) + "…" : text;
            org.assertj.core.api.Assertions.assertThat(status()).as(shown).isEqualTo(status);
            org.assertj.core.api.Assertions.assertThat(contentType()).as(shown).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            JsonNode problem = json();
            org.assertj.core.api.Assertions.assertThat(problem.get("status").asInt()).as(shown).isEqualTo(status);
            org.assertj.core.api.Assertions.assertThat(problem.get("code").asString()).as(shown).isEqualTo(code);
            org.assertj.core.api.Assertions.assertThat(problem.get("type").asString()).as(shown)
                    .isEqualTo(ProblemCodes.TYPE_PREFIX + code);
            org.assertj.core.api.Assertions.assertThat(problem.get("title").asString()).as(shown).isNotBlank();
            return problem;
        }
    }

    public Response get(String path) {
        return get(path, headers -> {});
    }

    public Response get(String path, Consumer<HttpHeaders> headers) {
        return http.get().uri(base + path).headers(headers).exchange((request, response) -> new Response(
                response.getStatusCode().value(), response.getHeaders(), response.getBody().readAllBytes(), json));
    }

    public Response post(String path) {
        return http.post().uri(base + path).exchange((request, response) -> new Response(
                response.getStatusCode().value(), response.getHeaders(), response.getBody().readAllBytes(), json));
    }

    public Response delete(String path) {
        return http.delete().uri(base + path)
                .exchange((request, response) -> new Response(response.getStatusCode().value(),
                        response.getHeaders(), response.getBody().readAllBytes(), json));
    }

    public Response send(String method, String path, MediaType contentType, byte[] body) {
        return http.method(org.springframework.http.HttpMethod.valueOf(method)).uri(base + path)
                .contentType(contentType).body(body)
                .exchange((request, response) -> new Response(response.getStatusCode().value(),
                        response.getHeaders(), response.getBody().readAllBytes(), json));
    }

    /** One part of a hand-built multipart body. @param fileName nullable: a plain form field */
    public record RawPart(String name, String fileName, String contentType, byte[] content) {}

    /** POST /api/v1/jobs with exactly these parts, framed by hand (so a part can be sent as a file or a field). */
    public Response submitParts(RawPart... parts) {
        return submitParts(null, parts);
    }

    /** As {@link #submitParts(RawPart...)}, with an {@code Idempotency-Key} (nullable: none). */
    public Response submitParts(String idempotencyKey, RawPart... parts) {
        String boundary = "raw-boundary-7f3a";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (RawPart part : parts) {
            String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name() + "\""
                    + (part.fileName() == null ? "" : "; filename=\"" + part.fileName() + "\"")
                    + "\r\nContent-Type: " + part.contentType() + "\r\n\r\n";
            body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
            body.writeBytes(part.content());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.post().uri(base + "/api/v1/jobs")
                .contentType(MediaType.parseMediaType("multipart/form-data; boundary=" + boundary))
                .headers(headers -> {
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .body(body.toByteArray())
                .exchange((request, response) -> new Response(response.getStatusCode().value(),
                        response.getHeaders(), response.getBody().readAllBytes(), json));
    }

    /**
     * POST /api/v1/jobs.
     *
     * @param model          nullable: the part is left out
     * @param request        nullable: the part is left out
     * @param idempotencyKey nullable
     */
    public Response submit(byte[] model, String fileName, String request, String idempotencyKey) {
        return submit(model, fileName, request, idempotencyKey, null, null);
    }

    /** With a {@code calibration} part when {@code calibration} is not null. */
    public Response submit(byte[] model, String fileName, String request, String idempotencyKey, byte[] calibration,
                           String calibrationName) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        if (calibration != null) {
            parts.add("calibration", new ByteArrayResource(calibration) {
                @Override
                public String getFilename() {
                    return calibrationName;
                }
            });
        }
        if (model != null) {
            parts.add("model", new ByteArrayResource(model) {
                @Override
                public String getFilename() {
                    return fileName;
                }
            });
        }
        if (request != null) {
            HttpHeaders partHeaders = new HttpHeaders();
            partHeaders.setContentType(MediaType.APPLICATION_JSON);
            parts.add("request", new HttpEntity<>(request, partHeaders));
        }
        return http.post().uri(base + "/api/v1/jobs")
                .contentType(MediaType.MULTIPART_FORM_DATA)
                .headers(headers -> {
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .body(parts)
                .exchange((req, response) -> new Response(response.getStatusCode().value(), response.getHeaders(),
                        response.getBody().readAllBytes(), json));
    }
}
