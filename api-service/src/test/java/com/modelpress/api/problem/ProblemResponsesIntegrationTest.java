package com.modelpress.api.problem;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Every error the API can answer is RFC 9457 problem+json with a stable code. */
class ProblemResponsesIntegrationTest extends ApiIntegrationTest {

    private static final String VALID = "{\"method\":\"fp16\"}";
    private static final byte[] MODEL = "not really onnx, the API does not parse it".getBytes(StandardCharsets.UTF_8);

    @Test
    void unknownRoutesAndMethods() {
        assertProblem(api.get("/api/v1/nothing-here"), 404, "not_found");
        // "/" is the dashboard (DashboardRoutesIntegrationTest); other paths outside /api are not found as problems too
        assertProblem(api.get("/nothing-here"), 404, "not_found");
        assertProblem(api.get("/assets/nothing-here.js"), 404, "not_found");
        assertProblem(api.send("PATCH", "/api/v1/jobs/" + UUID.randomUUID(), MediaType.TEXT_PLAIN, new byte[0]),
                405, "method_not_allowed");
        assertProblem(api.delete("/api/v1/jobs/" + UUID.randomUUID()), 404, "job_not_found");
        assertProblem(api.send("PUT", "/api/v1/jobs", MediaType.APPLICATION_JSON, "{}".getBytes()),
                405, "method_not_allowed");
    }

    @Test
    void unknownJobEverywhere() {
        String job = "/api/v1/jobs/" + UUID.randomUUID();
        for (String path : new String[]{job, job + "/events", job + "/report", job + "/artifacts",
                job + "/artifacts/model.onnx"}) {
            assertProblem(api.get(path), 404, "job_not_found");
        }
        assertProblem(api.post(job + "/cancel"), 404, "job_not_found");
        assertProblem(api.get("/api/v1/jobs/not-a-uuid"), 400, "invalid_parameter");
    }

    @Test
    void missingReportAndArtifact() {
        String id = api.submit(MODEL, "model.onnx", VALID, null).json().get("id").asString();
        assertProblem(api.get("/api/v1/jobs/" + id + "/report"), 404, "report_not_available");
        assertProblem(api.get("/api/v1/jobs/" + id + "/artifacts/model.onnx"), 404, "artifact_not_found");
    }

    @Test
    void badSubmissions() {
        assertProblem(api.send("POST", "/api/v1/jobs", MediaType.APPLICATION_JSON, VALID.getBytes()),
                415, "unsupported_media_type");
        assertProblem(api.submit(MODEL, "model.onnx", null, null), 400, "missing_part");
        assertProblem(api.submit(null, null, VALID, null), 400, "missing_part");
        assertProblem(api.submit(MODEL, "model.onnx", "{\"method\":", null), 400, "malformed_request");
        assertProblem(api.submit(MODEL, "model.onnx", "[1,2]", null), 400, "malformed_request");
        assertProblem(api.submit(MODEL, "model.onnx", VALID, " "), 400, "invalid_parameter");

        ApiClient.Response invalid = api.submit(MODEL, "model.onnx", """
                {"method":"int3","options":{"blockSize":48},"evaluation":{"samples":5000},"target":{"minCosine":2}}""", null);
        JsonNode problem = assertProblem(invalid, 422, "validation_failed");
        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString()).toList())
                .containsExactlyInAnyOrder("method", "options.blockSize", "evaluation.samples", "target.minCosine");

        assertProblem(api.submit(MODEL, "model.onnx", "{\"method\":\"auto\"}", null),
                422, "validation_failed");
        // synthesised inputs are bounded: no request may make a worker allocate a 10^12-element tensor
        JsonNode huge = assertProblem(api.submit(MODEL, "model.onnx", """
                {"method":"int8","evaluation":{"shapes":{"input":[1000000,1000000]},"dims":{"batch":-1},
                 "values":{"sr":null}}}""", null), 422, "validation_failed");
        assertThat(huge.get("errors").valueStream().map(e -> e.get("field").asString()).toList())
                .containsExactlyInAnyOrder("evaluation.shapes.input", "evaluation.dims.batch", "evaluation.values.sr");
        assertProblem(api.submit(MODEL, "model.bin", VALID, null), 422, "invalid_model_file");
        assertProblem(api.submit(new byte[0], "model.onnx", VALID, null), 422, "invalid_model_file");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();
    }

    @Test
    void uploadOverTheLimitIsRefusedAndNothingIsKept() {
        byte[] big = new byte[1536 * 1024];
        new Random(1).nextBytes(big);
        assertProblem(api.submit(big, "model.onnx", VALID, null), 413, "payload_too_large");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();
    }

    @Test
    void badListParameters() {
        assertProblem(api.get("/api/v1/jobs?limit=0"), 400, "invalid_parameter");
        assertProblem(api.get("/api/v1/jobs?limit=1000"), 400, "invalid_parameter");
        assertProblem(api.get("/api/v1/jobs?limit=ten"), 400, "invalid_parameter");
        assertProblem(api.get("/api/v1/jobs?status=DONE"), 400, "invalid_parameter");
        assertProblem(api.get("/api/v1/jobs?after=garbage"), 400, "invalid_cursor");
    }

    private static JsonNode assertProblem(ApiClient.Response response, int status, String code) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("code").asString()).isEqualTo(code);
        assertThat(problem.get("title").asString()).isNotBlank();
        return problem;
    }
}
