package com.modelpress.api.job;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.api.support.TestServices;
import com.modelpress.contracts.job.JobEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SSE streams of job events against the real API: capped per API key (429) and in all (503) with problem+json, served
 * by one poller (its queries do not grow with the streams), freed when they end, and timed out.
 */
class JobEventStreamLimitsIntegrationTest extends ApiIntegrationTest {

    private static final String REQUEST = "{\"method\":\"int8\"}";

    @Autowired
    JobEventStream streams;

    private final List<InputStream> open = new ArrayList<>();
    private HttpClient http;

    @BeforeEach
    void client() {
        http = HttpClient.newHttpClient();
        // the streams of earlier tests end at the poller's next look: their jobs were truncated away
        await().atMost(Duration.ofSeconds(20)).until(() -> streams.openStreams() == 0);
    }

    @AfterEach
    void closeStreams() throws IOException {
        for (InputStream stream : open) {
            stream.close();
        }
        http.shutdownNow();
    }

    @Test
    void streamsBeyondTheCapOfAKeyAre429AndBeyondTheTotalCap503() throws Exception {
        List<ApiClient> users = new ArrayList<>();
        for (String owner : List.of("alice", "bob", "carol")) {
            users.add(api.withKey(createUserKey(owner)));
        }
        ApiClient alice = users.getFirst();
        UUID aliceJob = submit(alice);

        for (int i = 0; i < TestServices.MAX_EVENT_STREAMS_PER_KEY; i++) {
            open.add(openStream(alice.key(), aliceJob).body());
        }
        Refusal refused = request(alice.key(), aliceJob);
        assertProblem(refused, 429, "too_many_event_streams");
        assertThat(refused.headers().firstValue(HttpHeaders.RETRY_AFTER)).isPresent();

        // the other keys fill the API up to its total
        int opened = TestServices.MAX_EVENT_STREAMS_PER_KEY;
        for (ApiClient user : users.subList(1, users.size())) {
            UUID job = submit(user);
            for (int i = 0; i < TestServices.MAX_EVENT_STREAMS_PER_KEY && opened < TestServices.MAX_EVENT_STREAMS; i++) {
                open.add(openStream(user.key(), job).body());
                opened++;
            }
        }
        assertThat(streams.openStreams()).isEqualTo(TestServices.MAX_EVENT_STREAMS);
        Refusal full = request(api.key(), aliceJob);
        assertProblem(full, 503, "event_streams_unavailable");
        // a plain read of the events is not a stream: never capped
        assertThat(alice.get("/api/v1/jobs/" + aliceJob + "/events").status()).isEqualTo(200);

        // a finished job ends its streams, and their places are free again
        worker.publish(SimulatedWorker.started(aliceJob, 1, 1));
        worker.publish(new JobEvent.Failed(aliceJob, 1, 2, Instant.now(), "invalid_model", "not ONNX", false));
        for (InputStream stream : open.subList(0, TestServices.MAX_EVENT_STREAMS_PER_KEY)) {
            assertThat(readToEnd(stream)).contains("event:failed");
        }
        int others = opened - TestServices.MAX_EVENT_STREAMS_PER_KEY;
        await().atMost(Duration.ofSeconds(20)).until(() -> streams.openStreams() <= others);
        assertThat(openStream(alice.key(), aliceJob).statusCode()).isEqualTo(200);
    }

    @Test
    void aStreamOfAJobThatDoesNotEndIsClosedAtTheTimeoutAndFreesItsPlace() throws Exception {
        ApiClient alice = api.withKey(createUserKey("alice"));
        UUID job = submit(alice);
        HttpResponse<InputStream> stream = openStream(alice.key(), job);
        open.add(stream.body());
        assertThat(streams.openStreams()).isEqualTo(1);

        String body = readToEnd(stream.body()); // the job stays QUEUED: only the timeout ends the stream

        assertThat(body).as("a quiet stream is kept alive until then").contains(":keep-alive");
        await().atMost(Duration.ofSeconds(20)).until(() -> streams.openStreams() == 0);
        assertThat(api.get("/api/v1/jobs/" + job).json().get("status").asString()).isEqualTo("QUEUED");
    }

    @Test
    void aClientThatGoesAwayFreesItsPlace() throws Exception {
        ApiClient alice = api.withKey(createUserKey("alice"));
        UUID job = submit(alice);
        for (int i = 0; i < TestServices.MAX_EVENT_STREAMS_PER_KEY; i++) {
            open.add(openStream(alice.key(), job).body());
        }
        assertProblem(request(alice.key(), job), 429, "too_many_event_streams");

        for (InputStream stream : open) {
            stream.close();
        }
        open.clear();
        http.shutdownNow();
        http = HttpClient.newHttpClient();

        // the keep-alive comment finds the closed connections
        await().atMost(Duration.ofSeconds(30)).until(() -> streams.openStreams() == 0);
        assertThat(openStream(alice.key(), job).statusCode()).isEqualTo(200);
    }

    private String createUserKey(String owner) {
        ApiClient.Response created = api.send("POST", "/api/v1/api-keys", MediaType.APPLICATION_JSON,
                json.writeValueAsBytes(Map.of("owner", owner, "scope", "user")));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return created.json().get("key").asString();
    }

    private UUID submit(ApiClient client) {
        ApiClient.Response response = client.submit("model".getBytes(StandardCharsets.UTF_8), "model.onnx", REQUEST, null);
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        return UUID.fromString(response.json().get("id").asString());
    }

    /** A stream the API accepted, its body unread (the stream stays open). */
    private HttpResponse<InputStream> openStream(String key, UUID job) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(sse(key, job), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            throw new AssertionError("stream refused with " + response.statusCode() + ": " + body);
        }
        return response;
    }

    /** The answer to a stream that must be refused. */
    private record Refusal(int status, java.net.http.HttpHeaders headers, String body) {}

    /** @throws AssertionError (the stream kept open) when the API accepts the stream */
    private Refusal request(String key, UUID job) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(sse(key, job), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 200) {
            open.add(response.body());
            throw new AssertionError("a stream beyond the cap was opened (200, " + streams.openStreams() + " open)");
        }
        return new Refusal(response.statusCode(), response.headers(),
                new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
    }

    private HttpRequest sse(String key, UUID job) {
        return HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/jobs/" + job + "/events"))
                .header(HttpHeaders.ACCEPT, MediaType.TEXT_EVENT_STREAM_VALUE)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + key).build();
    }

    private void assertProblem(Refusal response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue(HttpHeaders.CONTENT_TYPE)).hasValueSatisfying(
                type -> assertThat(type).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE));
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("code").asString()).isEqualTo(code);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
    }

    private static String readToEnd(InputStream stream) throws IOException {
        StringBuilder text = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                text.append(line.replace(" ", "")).append('\n');
            }
        }
        return text.toString();
    }
}
