package com.modelpress.cli;

import com.modelpress.files.FileTrees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FakeApiServer}, the double the CLI's fast tests run against, held to the real API so that it cannot drift
 * from it unseen (it once answered a top-level {@code createdAt}, event types {@code Started}/{@code Progress} and
 * {@code step}/{@code fraction} beside them, and against the real API {@code status} printed {@code created=null}
 * and {@code wait} no progress while every CLI test passed).
 *
 * <p>One real platform ({@code modelpress serve}'s: the API and a worker on embedded PostgreSQL and the embedded
 * broker) runs one real job. Then, for each endpoint the CLI calls, the fake's answer must (1) hold only fields the
 * API's {@code /v3/api-docs} declares for that operation, with the declared types and enum values, and (2) hold only
 * fields the real answer to the same request holds, at the same place and of the same kind, with status and event
 * type values the real API uses. And the CLI's own commands, run against the real platform, must show what the
 * fake promised: {@code status} the creation time, {@code wait} the job's progress.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FakeApiContractIntegrationTest {

    private static final String KEY = "mp_test_admin_0123456789abcdef0123456789abcdef";
    /** The fake's report carries one field no report has, on purpose: the CLI must ignore fields it does not know. */
    private static final Set<String> DELIBERATE_FAKE_FIELDS = Set.of("$.unknownLaterField");

    private Path dir;
    private StandalonePlatform platform;
    private String real;
    private String jobId;
    private FakeApiServer fake;
    private HttpClient http;
    private JsonNode apiDocs;

    @BeforeAll
    void realJobAndFake() throws Exception {
        dir = Files.createTempDirectory("modelpress-fake-contract-");
        int port = LocalPorts.free();
        real = LocalPorts.url(port);
        platform = StandalonePlatform.start(dir.resolve("data"), port, KEY, new PrintWriter(new StringWriter()), Map.of(
                "modelpress.worker.latency-runs", "0",
                "modelpress.worker.work-dir", dir.resolve("work").toString()));
        Path model = TinyModels.matMul(dir.resolve("tiny.onnx"));
        CliRun submit = CliRun.of("submit", model.toString(), "--method", "int8", "--samples", "1", "--wait",
                "--poll-interval", "200", "--server", real, "--api-key", KEY);
        assertThat(submit.exitCode()).as(submit.err()).isZero();
        jobId = submit.out().lines().findFirst().orElseThrow().strip();

        fake = new FakeApiServer();
        fake.requiredKey = KEY;
        fake.artifacts.put("model.onnx", new byte[] {1, 2, 3});
        fake.artifacts.put("report.json", "{}".getBytes(StandardCharsets.UTF_8));
        fake.statuses.clear();
        fake.statuses.addAll(List.of("RUNNING", "RUNNING", "RUNNING", "SUCCEEDED"));
        http = HttpClient.newHttpClient();
        // through its scripted states, so that its events hold progress as a finished job's do
        for (int read = 0; read < fake.statuses.size(); read++) {
            get(fake.url() + "/api/v1/jobs/" + FakeApiServer.JOB_ID, 200);
        }
        apiDocs = ApiClient.JSON.readTree(get(real + "/v3/api-docs", 200));
    }

    @AfterAll
    void stop() throws IOException {
        if (fake != null) {
            fake.close();
        }
        if (http != null) {
            http.close();
        }
        if (platform != null) {
            platform.close();
        }
        FileTrees.deleteQuietly(dir);
    }

    @Test
    void theFakeAnswersOnlyWhatTheOpenApiDocumentDeclares() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            JsonNode answer = withoutDeliberateFields(fakeAnswer(endpoint));
            JsonNode schema = responseSchema(endpoint);
            assertThat(schema.isMissingNode()).as("the API documents %s", endpoint).isFalse();
            JsonShapes.undeclared(answer, schema, apiDocs).forEach(problem -> problems.add(endpoint + ": " + problem));
        }
        JsonNode submitted = ApiClient.JSON.readTree(fake.submitResponse());
        JsonShapes.undeclared(submitted, schema("post", "/api/v1/jobs", "202"), apiDocs)
                .forEach(problem -> problems.add("POST /api/v1/jobs: " + problem));
        assertThat(problems).as("fields of the fake the API does not declare").isEmpty();
    }

    @Test
    void theFakeAnswersInTheShapesAndWithTheValuesOfTheRealApi() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            JsonNode fakeAnswer = withoutDeliberateFields(fakeAnswer(endpoint));
            JsonNode realAnswer = ApiClient.JSON.readTree(get(real + endpoint.path(jobId), 200));
            JsonShapes.notIn(fakeAnswer, realAnswer).forEach(problem -> problems.add(endpoint + ": " + problem));
        }
        assertThat(problems).as("where the fake differs from the real API").isEmpty();

        JsonNode realEvents = ApiClient.JSON.readTree(get(real + "/api/v1/jobs/" + jobId + "/events", 200));
        JsonNode fakeEvents = ApiClient.JSON.readTree(get(fake.url() + "/api/v1/jobs/" + FakeApiServer.JOB_ID + "/events", 200));
        assertThat(JsonShapes.values(realEvents, "$[].type")).as("the real job's event types")
                .containsAll(JsonShapes.values(fakeEvents, "$[].type"));
        assertThat(JsonShapes.values(realEvents, "$[].payload.type")).as("the real job's payload types")
                .containsAll(JsonShapes.values(fakeEvents, "$[].payload.type"));
        JsonNode statuses = resolve(apiDocs.at("/components/schemas/JobView/properties/status")).path("enum");
        assertThat(statuses.valueStream().map(JsonNode::asString).toList()).as("JobStatus in the OpenAPI document")
                .containsAll(fake.statuses);
    }

    /**
     * The comparisons above fail when one side changes alone: each change made here to a copy of one side (the fake's
     * answer, the real answer, the OpenAPI document), and only to it, is reported, while the untouched pair is clean.
     */
    @Test
    void theComparisonsReportAChangeToEitherSideAlone() throws Exception {
        Endpoint jobView = endpoints().getFirst();
        JsonNode fakeJob = withoutDeliberateFields(fakeAnswer(jobView));
        JsonNode realJob = ApiClient.JSON.readTree(get(real + jobView.path(jobId), 200));
        JsonNode schema = responseSchema(jobView);
        assertThat(JsonShapes.notIn(fakeJob, realJob)).isEmpty();
        assertThat(JsonShapes.undeclared(fakeJob, schema, apiDocs)).isEmpty();

        // the fake alone: the drift this test was written for, a top-level createdAt and a capitalised status
        ObjectNode drifted = (ObjectNode) fakeJob.deepCopy();
        drifted.put("createdAt", "2026-01-01T00:00:00Z");
        drifted.put("status", "Started");
        assertThat(JsonShapes.notIn(drifted, realJob)).containsExactly("$.createdAt (the real API has no such field)");
        assertThat(JsonShapes.undeclared(drifted, schema, apiDocs)).containsExactlyInAnyOrder(
                "$.createdAt (not in the OpenAPI schema)", "$.status is 'Started', not one of "
                        + resolve(apiDocs.at("/components/schemas/JobView/properties/status")).get("enum"));

        // the real answer alone: a field the fake shows is renamed, another changes its kind
        ObjectNode renamed = (ObjectNode) realJob.deepCopy();
        renamed.set("created", renamed.remove("timestamps"));
        renamed.put("attempt", "1");
        assertThat(JsonShapes.notIn(fakeJob, renamed)).contains("$.attempt is number, the real API's is [string]")
                .anyMatch(problem -> problem.startsWith("$.timestamps") && problem.endsWith("(the real API has no such field)"));

        // the OpenAPI document alone: the job view's schema loses a property the fake answers
        ObjectNode document = (ObjectNode) apiDocs.deepCopy();
        ((ObjectNode) document.at("/components/schemas/JobView/properties")).remove("reportAvailable");
        assertThat(JsonShapes.undeclared(fakeJob, schema, document)).containsExactly(
                "$.reportAvailable (not in the OpenAPI schema)");
    }

    @Test
    void statusAndWaitShowTheRealJobsCreationTimeAndProgress() {
        CliRun status = CliRun.of("status", jobId, "--server", real, "--api-key", KEY);
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out().strip()).matches(jobId + " SUCCEEDED method=int8 attempt=1 "
                + "created=\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z");

        CliRun wait = CliRun.of("wait", jobId, "--server", real, "--api-key", KEY, "--poll-interval", "200");
        assertThat(wait.exitCode()).as(wait.err()).isZero();
        // not a terminal: a plain line for each step the worker reported
        assertThat(wait.err()).contains("download...").contains("compress...").contains("evaluate...");
    }

    /** The GET endpoints the CLI reads, as paths relative to the server with the job's id. */
    private static List<Endpoint> endpoints() {
        return List.of(new Endpoint("/api/v1/jobs/{id}", ""), new Endpoint("/api/v1/jobs/{id}/events", "/events"),
                new Endpoint("/api/v1/jobs/{id}/report", "/report"),
                new Endpoint("/api/v1/jobs/{id}/artifacts", "/artifacts"));
    }

    private record Endpoint(String template, String suffix) {

        String path(String id) {
            return "/api/v1/jobs/" + id + suffix;
        }

        @Override
        public String toString() {
            return "GET " + template;
        }
    }

    private JsonNode fakeAnswer(Endpoint endpoint) throws Exception {
        return ApiClient.JSON.readTree(get(fake.url() + endpoint.path(FakeApiServer.JOB_ID), 200));
    }

    private JsonNode responseSchema(Endpoint endpoint) {
        return schema("get", endpoint.template(), "200");
    }

    private JsonNode schema(String method, String path, String status) {
        JsonNode content = apiDocs.path("paths").path(path).path(method).path("responses").path(status).path("content");
        // the events path answers JSON and an event stream: the CLI reads the JSON
        JsonNode json = content.path("application/json");
        return json.isMissingNode() && !content.isEmpty() ? content.values().iterator().next().path("schema")
                : json.path("schema");
    }

    private JsonNode resolve(JsonNode schema) {
        JsonNode at = schema;
        while (at.has("$ref")) {
            at = apiDocs.at(at.get("$ref").asString().substring(1));
        }
        return at;
    }

    private static JsonNode withoutDeliberateFields(JsonNode answer) {
        if (answer.isObject()) {
            ObjectNode copy = ((ObjectNode) answer).deepCopy();
            DELIBERATE_FAKE_FIELDS.forEach(path -> copy.remove(path.substring(2)));
            return copy;
        }
        return answer;
    }

    private String get(String url, int expected) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + KEY).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", url, response.body()).isEqualTo(expected);
        return response.body();
    }
}
