package com.modelpress.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.files.Sha256;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ModelPress REST API (v1) over {@link HttpClient}, with an API key ({@code Authorization: Bearer}) on every
 * request: uploads and downloads stream, nothing is held in memory whole. HTTP errors become {@link ApiProblemException}, transport failures {@link ServerUnreachableException}.
 * Thread-safe.
 */
final class ApiClient {

    static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .changeDefaultPropertyInclusion(include -> include.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private static final Pattern REPR_DIGEST = Pattern.compile("(?:^|,)\\s*sha-256=:([A-Za-z0-9+/=]+):");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-][A-Za-z0-9._ -]*");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI server;
    /** Nullable: no key is sent. */
    private final String apiKey;
    private final HttpClient http;

    /** @param apiKey nullable: requests go without a key (the server answers 401) */
    ApiClient(URI server, String apiKey) {
        this.server = server;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    URI server() {
        return server;
    }

    /** {@code POST /api/v1/jobs}: the model streamed from disk; {@code idempotencyKey} nullable. */
    JobView submit(Path model, CompressionRequest request, String idempotencyKey) throws IOException {
        return submit(model, request, idempotencyKey, (Path) null);
    }

    /** @param calibration nullable: a .zip/.tar/.tar.gz/.tgz of calibration sample folders, streamed as the {@code calibration} part */
    JobView submit(Path model, CompressionRequest request, String idempotencyKey, Path calibration) throws IOException {
        return submit(model, request, idempotencyKey, new Attachments(calibration, null, null, null));
    }

    /**
     * The files a submit carries beside the model, each streamed as its own part; every one nullable.
     *
     * @param calibration     a .zip/.tar of calibration sample folders ({@code calibration})
     * @param calibrationText a UTF-8 text to calibrate on ({@code calibrationText})
     * @param evaluationText  a UTF-8 text to evaluate on ({@code evaluationText})
     * @param tokenizer       the model's Hugging Face tokenizer.json ({@code tokenizer})
     */
    record Attachments(Path calibration, Path calibrationText, Path evaluationText, Path tokenizer) {

        List<MultipartBody.FilePart> parts() {
            List<MultipartBody.FilePart> parts = new java.util.ArrayList<>();
            java.util.Map<String, Path> named = new java.util.LinkedHashMap<>();
            named.put("calibration", calibration);
            named.put("calibrationText", calibrationText);
            named.put("evaluationText", evaluationText);
            named.put("tokenizer", tokenizer);
            named.forEach((name, file) -> {
                if (file != null) {
                    parts.add(new MultipartBody.FilePart(name, file));
                }
            });
            return parts;
        }
    }

    /** {@code POST /api/v1/jobs}: the model and {@code attachments} streamed from disk; {@code idempotencyKey} nullable. */
    JobView submit(Path model, CompressionRequest request, String idempotencyKey, Attachments attachments)
            throws IOException {
        List<MultipartBody.FilePart> files = new java.util.ArrayList<>(List.of(new MultipartBody.FilePart("model", model)));
        files.addAll(attachments.parts());
        MultipartBody body = MultipartBody.of("request", JSON.writeValueAsString(request), files);
        HttpRequest.Builder post = authorized(HttpRequest.newBuilder(uri("/api/v1/jobs")))
                .header("Content-Type", body.contentType())
                .header("Accept", "application/json")
                .POST(body.publisher());
        if (idempotencyKey != null) {
            post.header("Idempotency-Key", idempotencyKey);
        }
        return JSON.readValue(sendForString(post.build()), JobView.class);
    }

    JobView job(String id) {
        return JSON.readValue(get(jobPath(id)), JobView.class);
    }

    List<JobEventView> events(String id) {
        return JSON.readValue(get(jobPath(id) + "/events"), new TypeReference<List<JobEventView>>() {});
    }

    /** The fidelity report as the server sent it. */
    String reportJson(String id) {
        return get(jobPath(id) + "/report");
    }

    /** The fidelity report as the server's self-contained HTML page. */
    String reportHtml(String id) {
        HttpRequest request = authorized(HttpRequest.newBuilder(uri(jobPath(id) + "/report.html"))).timeout(REQUEST_TIMEOUT)
                .header("Accept", "text/html").GET().build();
        return sendForString(request);
    }

    List<ArtifactView> artifacts(String id) {
        return JSON.readValue(get(jobPath(id) + "/artifacts"), new TypeReference<List<ArtifactView>>() {});
    }

    /**
     * Streams one artifact into {@code folder}, checking its SHA-256 against the {@code Repr-Digest} header and the
     * listed digest; a mismatching file is deleted.
     *
     * @return the written file
     * @throws DigestMismatchException when a digest differs, or the server gave none
     */
    Path download(String id, ArtifactView artifact, Path folder) throws IOException {
        if (!SAFE_NAME.matcher(artifact.name()).matches() || artifact.name().equals(".") || artifact.name().equals("..")) {
            throw new IOException("refusing to write an artifact named '" + artifact.name() + "'");
        }
        URI where = artifact.href() == null
                ? uri(jobPath(id) + "/artifacts/" + URLEncoder.encode(artifact.name(), StandardCharsets.UTF_8).replace("+", "%20"))
                : server.resolve(artifact.href());
        HttpRequest request = authorized(HttpRequest.newBuilder(where)).timeout(REQUEST_TIMEOUT).GET().build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
        Path target = folder.resolve(artifact.name());
        Path partial = folder.resolve(artifact.name() + ".part");
        MessageDigest sha256 = Sha256.digest();
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(partial)) {
            if (response.statusCode() >= 400) {
                throw problem(request, response.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                sha256.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        String actual = Sha256.hex(sha256);
        Optional<String> announced = reprDigest(response);
        String expected = announced.orElse(artifact.sha256());
        boolean listedDiffers = artifact.sha256() != null && !artifact.sha256().equalsIgnoreCase(actual);
        if (expected == null || !expected.equalsIgnoreCase(actual) || listedDiffers) {
            Files.deleteIfExists(partial);
            throw new DigestMismatchException(artifact.name(), listedDiffers ? artifact.sha256() : expected, actual);
        }
        return Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The SHA-256 of {@code Repr-Digest: sha-256=:BASE64:} as hex, if the header carries one. */
    private static Optional<String> reprDigest(HttpResponse<?> response) {
        return response.headers().firstValue("Repr-Digest").map(REPR_DIGEST::matcher).filter(Matcher::find)
                .map(m -> HexFormat.of().formatHex(Base64.getDecoder().decode(m.group(1))));
    }

    private String get(String path) {
        HttpRequest request = authorized(HttpRequest.newBuilder(uri(path))).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json").GET().build();
        return sendForString(request);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return apiKey == null ? request : request.header("Authorization", "Bearer " + apiKey);
    }

    private String sendForString(HttpRequest request) {
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() >= 400) {
            throw problem(request, response.statusCode(), response.body());
        }
        return response.body();
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new ServerUnreachableException(server, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerUnreachableException(server, e);
        }
    }

    private static ApiProblemException problem(HttpRequest request, int status, String body) {
        String title = null;
        String detail = null;
        String code = null;
        try {
            JsonNode problem = JSON.readTree(body);
            title = text(problem, "title");
            detail = text(problem, "detail");
            code = text(problem, "code");
        } catch (JacksonException e) {
            // not JSON (a proxy's HTML page, say): the status alone says what happened
        }
        return new ApiProblemException(request.method(), request.uri(), status, title, detail, code);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private URI uri(String path) {
        return server.resolve(path);
    }

    private static String jobPath(String id) {
        return "/api/v1/jobs/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }
}
