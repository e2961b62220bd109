package com.modelpress.api.job;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.report.HtmlReport;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code GET /api/v1/jobs/{id}/report.html}: the same access rules as the JSON report, and a page that loads nothing. */
class JobReportHtmlIntegrationTest extends ApiIntegrationTest {

    private static final String REQUEST = """
            {"method":"int4","target":{"minCosine":0.99},
             "metadata":{"pipeline":"nightly-42","note":"</td><script>alert(1)</script>"}}""";

    @Test
    void theOwnerGetsThePageOnceTheJobSucceededAndNobodyElseDoes() throws Exception {
        ApiClient alice = userKey("alice");
        ApiClient bob = userKey("bob");
        ApiClient.Response submitted = alice.submit(new byte[4096], "tiny.onnx", REQUEST, null);
        assertThat(submitted.status()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.json().get("id").asString());
        String page = "/api/v1/jobs/" + id + "/report.html";

        // no report yet: problem+json, whatever the client accepts
        for (String accept : List.of(MediaType.TEXT_HTML_VALUE, MediaType.ALL_VALUE)) {
            ApiClient.Response early = alice.get(page, h -> h.set(HttpHeaders.ACCEPT, accept));
            assertThat(early.status()).isEqualTo(404);
            assertThat(early.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(early.json().get("code").asString()).isEqualTo("report_not_available");
        }

        JobMessage job = worker.awaitJob(id).job();
        worker.publish(SimulatedWorker.started(id, 1, 1));
        ArtifactRef model = worker.writeArtifact(id, 1, "model.onnx", new byte[1024], "application/octet-stream");
        worker.publish(new JobEvent.Succeeded(id, 1, 2, Instant.now(), List.of(model),
                SimulatedWorker.report("int4", job.inputSha256(), model.sha256())));
        await().atMost(Duration.ofSeconds(20)).until(() -> alice.get("/api/v1/jobs/" + id).json()
                .get("status").asString().equals("SUCCEEDED"));

        ApiClient.Response shown = alice.get(page, h -> h.set(HttpHeaders.ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8"));
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.header(HttpHeaders.CONTENT_TYPE)).isEqualToIgnoringCase("text/html;charset=UTF-8");
        assertThat(shown.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(shown.header("Content-Security-Policy")).startsWith(HtmlReport.CONTENT_SECURITY_POLICY)
                .contains("frame-ancestors 'self'", "sandbox");
        String html = new String(shown.body(), StandardCharsets.UTF_8);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("Fidelity report", "job " + id, "nightly-42",
                "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;", "tiny.onnx (4,096 bytes)", job.inputSha256())
                .doesNotContain("<script");
        // without an Accept header too, as a plain download would ask
        assertThat(alice.get(page).status()).isEqualTo(200);

        // another owner's job is missing, exactly as for the JSON report; without a key the API refuses
        ApiClient.Response foreign = bob.get(page);
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.json().get("code").asString()).isEqualTo("job_not_found");
        assertThat(bob.get("/api/v1/jobs/" + id + "/report").json().get("code").asString()).isEqualTo("job_not_found");
        ApiClient.Response anonymous = api.withKey(null).get(page);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(alice.get("/api/v1/jobs/" + UUID.randomUUID() + "/report.html").json().get("code").asString())
                .isEqualTo("job_not_found");
    }

    private ApiClient userKey(String owner) {
        ApiClient.Response key = api.send("POST", "/api/v1/api-keys", MediaType.APPLICATION_JSON,
                "{\"owner\":\"%s\"}".formatted(owner).getBytes(StandardCharsets.UTF_8));
        assertThat(key.status()).isEqualTo(201);
        return api.withKey(key.json().get("key").asString());
    }
}
