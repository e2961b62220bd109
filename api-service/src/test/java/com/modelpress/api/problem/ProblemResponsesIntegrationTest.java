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
        api.get("/api/v1/nothing-here").problem(404, "not_found");
        // "/" is the dashboard (DashboardRoutesIntegrationTest); other paths outside /api are not found as problems too
        api.get("/nothing-here").problem(404, "not_found");
        api.get("/assets/nothing-here.js").problem(404, "not_found");
        api.send("PATCH", "/api/v1/jobs/" + UUID.randomUUID(), MediaType.TEXT_PLAIN, new byte[0])
                .problem(405, "method_not_allowed");
        api.delete("/api/v1/jobs/" + UUID.randomUUID()).problem(404, "job_not_found");
        api.send("PUT", "/api/v1/jobs", MediaType.APPLICATION_JSON, "{}".getBytes())
                .problem(405, "method_not_allowed");
    }

    @Test
    void unknownJobEverywhere() {
        String job = "/api/v1/jobs/" + UUID.randomUUID();
        for (String path : new String[]{job, job + "/events", job + "/report", job + "/artifacts",
                job + "/artifacts/model.onnx"}) {
            api.get(path).problem(404, "job_not_found");
        }
        api.post(job + "/cancel").problem(404, "job_not_found");
        api.get("/api/v1/jobs/not-a-uuid").problem(400, "invalid_parameter");
    }

    @Test
    void missingReportAndArtifact() {
        String id = api.submit(MODEL, "model.onnx", VALID, null).json().get("id").asString();
        api.get("/api/v1/jobs/" + id + "/report").problem(404, "report_not_available");
        api.get("/api/v1/jobs/" + id + "/artifacts/model.onnx").problem(404, "artifact_not_found");
    }

    @Test
    void badSubmissions() {
        api.send("POST", "/api/v1/jobs", MediaType.APPLICATION_JSON, VALID.getBytes())
                .problem(415, "unsupported_media_type");
        api.submit(MODEL, "model.onnx", null, null).problem(400, "missing_part");
        api.submit(null, null, VALID, null).problem(400, "missing_part");
        api.submit(MODEL, "model.onnx", "{\"method\":", null).problem(400, "malformed_request");
        api.submit(MODEL, "model.onnx", "[1,2]", null).problem(400, "malformed_request");
        api.submit(MODEL, "model.onnx", VALID, " ").problem(400, "invalid_parameter");

        ApiClient.Response invalid = api.submit(MODEL, "model.onnx", """
                {"method":"int3","options":{"blockSize":48},"evaluation":{"samples":5000},"target":{"minCosine":2}}""", null);
        JsonNode problem = invalid.problem(422, "validation_failed");
        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString()).toList())
                .containsExactlyInAnyOrder("method", "options.blockSize", "evaluation.samples", "target.minCosine");

        api.submit(MODEL, "model.onnx", "{\"method\":\"auto\"}", null)
                .problem(422, "validation_failed");
        // synthesised inputs are bounded: no request may make a worker allocate a 10^12-element tensor
        JsonNode huge = api.submit(MODEL, "model.onnx", """
                {"method":"int8","evaluation":{"shapes":{"input":[1000000,1000000]},"dims":{"batch":-1},
                 "values":{"sr":null}}}""", null).problem(422, "validation_failed");
        assertThat(huge.get("errors").valueStream().map(e -> e.get("field").asString()).toList())
                .containsExactlyInAnyOrder("evaluation.shapes.input", "evaluation.dims.batch", "evaluation.values.sr");
        api.submit(MODEL, "model.bin", VALID, null).problem(422, "invalid_model_file");
        api.submit(new byte[0], "model.onnx", VALID, null).problem(422, "invalid_model_file");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();
    }

    @Test
    void uploadOverTheLimitIsRefusedAndNothingIsKept() {
        byte[] big = new byte[1536 * 1024];
        new Random(1).nextBytes(big);
        api.submit(big, "model.onnx", VALID, null).problem(413, "payload_too_large");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();
    }

    @Test
    void badListParameters() {
        api.get("/api/v1/jobs?limit=0").problem(400, "invalid_parameter");
        api.get("/api/v1/jobs?limit=1000").problem(400, "invalid_parameter");
        api.get("/api/v1/jobs?limit=ten").problem(400, "invalid_parameter");
        api.get("/api/v1/jobs?status=DONE").problem(400, "invalid_parameter");
        api.get("/api/v1/jobs?after=garbage").problem(400, "invalid_cursor");
    }

}
