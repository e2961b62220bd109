package com.modelpress.api.security;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.api.support.TestServices;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** API keys, owners and limits over real HTTP: 401, 403, 404 for other owners' jobs, 429. */
class AuthenticationIntegrationTest extends ApiIntegrationTest {

    private static final String REQUEST = "{\"method\":\"fp16\"}";

    @Test
    void requestsWithoutAValidKeyAreRefusedWithAChallenge() {
        ApiClient anonymous = api.withKey(null);
        JsonNode missing = anonymous.get("/api/v1/jobs").problem(401, "missing_api_key");
        assertThat(missing.get("instance").asString()).isEqualTo("/api/v1/jobs");
        assertThat(anonymous.get("/api/v1/jobs").header(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer realm=\"modelpress\"");

        for (String wrong : List.of("garbage", TestServices.ADMIN_KEY + "x",
                "mp_0123456789abcdef_" + "A".repeat(43))) {
            ApiClient.Response refused = api.withKey(wrong).get("/api/v1/jobs/" + UUID.randomUUID());
            refused.problem(401, "invalid_api_key");
            assertThat(refused.header(HttpHeaders.WWW_AUTHENTICATE)).contains("Bearer", "error=\"invalid_token\"");
        }
        // a Basic header is no key
        anonymous.get("/api/v1/jobs", h -> h.setBasicAuth("admin", "admin")).problem(401, "missing_api_key");
        // X-API-Key works as well as Authorization: Bearer
        assertThat(anonymous.get("/api/v1/jobs", h -> h.set("X-API-Key", TestServices.ADMIN_KEY)).status()).isEqualTo(200);

        // the key is checked before the body is read: no 413, no job, nothing stored
        byte[] big = new byte[1536 * 1024];
        new Random(1).nextBytes(big);
        anonymous.submit(big, "model.onnx", REQUEST, null).problem(401, "missing_api_key");
        anonymous.submit("x".getBytes(), "model.onnx", REQUEST, null).problem(401, "missing_api_key");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();

        // probes and the API's description stay open; metrics (every owner's counts) need an admin key (issue 15 item 15)
        assertThat(anonymous.get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(anonymous.get("/actuator/health/liveness").status()).isEqualTo(200);
        anonymous.get("/actuator/prometheus").problem(401, "missing_api_key");
        anonymous.get("/actuator").problem(401, "missing_api_key");
        anonymous.get("/actuator/info").problem(401, "missing_api_key");
        assertThat(api.get("/actuator/prometheus").status()).isEqualTo(200);
        assertThat(api.get("/actuator/prometheus").text()).contains("modelpress_outbox_pending");
        String userKey = createKey("metrics-reader", "user", null).json().get("key").asString();
        api.withKey(userKey).get("/actuator/prometheus").problem(403, "admin_required");
        assertThat(anonymous.get("/v3/api-docs").status()).isEqualTo(200);
    }

    @Test
    void adminCreatesListsAndRevokesKeysAndOnlyTheirHashIsStored() throws Exception {
        ApiClient.Response created = createKey("alice", "user", "ci pipeline");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        JsonNode view = created.json();
        String id = view.get("id").asString();
        String key = view.get("key").asString();
        assertThat(key).startsWith("mp_" + id + "_").hasSize(3 + 16 + 1 + 43);
        assertThat(view.get("prefix").asString()).isEqualTo("mp_" + id);
        assertThat(view.get("owner").asString()).isEqualTo("alice");
        assertThat(view.get("scope").asString()).isEqualTo("user");
        assertThat(view.get("name").asString()).isEqualTo("ci pipeline");
        assertThat(view.get("createdBy").asString()).isEqualTo("admin");
        assertThat(created.header(HttpHeaders.LOCATION)).isEqualTo("/api/v1/api-keys/" + id);
        ApiClient alice = api.withKey(key);
        assertThat(alice.get("/api/v1/jobs").status()).isEqualTo(200);

        // at rest: the SHA-256 of the key, never the key or its secret
        String row = jdbc.sql("select a::text from api_keys a where id = :id").param("id", id).query(String.class).single();
        String secret = key.substring(key.lastIndexOf('_') + 1);
        assertThat(row).doesNotContain(key).doesNotContain(secret);
        assertThat(jdbc.sql("select key_sha256 from api_keys where id = :id").param("id", id).query(String.class).single())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8))));

        // lists and lookups never show a key again
        createKey("bob", null, null);
        JsonNode all = api.get("/api/v1/api-keys").json();
        assertThat(all.valueStream().map(k -> k.get("owner").asString()).toList()).containsExactly("alice", "bob");
        assertThat(all.valueStream().filter(k -> k.has("key"))).isEmpty();
        assertThat(all.get(1).get("scope").asString()).isEqualTo("user");
        assertThat(api.get("/api/v1/api-keys?owner=bob").json()).hasSize(1);
        JsonNode one = api.get("/api/v1/api-keys/" + id).json();
        assertThat(one.has("key")).isFalse();
        assertThat(one.has("revokedAt")).isFalse();

        // a user key cannot manage keys
        alice.get("/api/v1/api-keys").problem(403, "admin_required");
        alice.send("POST", "/api/v1/api-keys", MediaType.APPLICATION_JSON,
                "{\"owner\":\"alice\",\"scope\":\"admin\"}".getBytes()).problem(403, "admin_required");
        alice.send("DELETE", "/api/v1/api-keys/" + id, MediaType.APPLICATION_JSON, new byte[0])
                .problem(403, "admin_required");

        // an admin-scope key can
        String adminKey = createKey("ops", "admin", null).json().get("key").asString();
        assertThat(api.withKey(adminKey).get("/api/v1/api-keys").json()).hasSize(3);

        // revocation is immediate and idempotent
        ApiClient.Response revoked = api.send("DELETE", "/api/v1/api-keys/" + id, MediaType.APPLICATION_JSON, new byte[0]);
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.json().get("revokedAt").isNull()).isFalse();
        JsonNode refused = alice.get("/api/v1/jobs").problem(401, "revoked_api_key");
        assertThat(refused.get("detail").asString()).contains("mp_" + id).doesNotContain(key);
        ApiClient.Response again = api.send("DELETE", "/api/v1/api-keys/" + id, MediaType.APPLICATION_JSON, new byte[0]);
        assertThat(again.json().get("revokedAt")).isEqualTo(revoked.json().get("revokedAt"));

        api.send("DELETE", "/api/v1/api-keys/0000000000000000", MediaType.APPLICATION_JSON, new byte[0])
                .problem(404, "api_key_not_found");
        createKey("no spaces please", null, null).problem(400, "invalid_api_key_request");
        createKey("", null, null).problem(400, "invalid_api_key_request");
        createKey("carol", "superuser", null).problem(400, "malformed_request");
    }

    @Test
    void jobsEventsReportsAndArtifactsAreVisibleOnlyToTheirOwnerAndAdmins() throws Exception {
        ApiClient alice = api.withKey(createKey("alice", null, null).json().get("key").asString());
        ApiClient bob = api.withKey(createKey("bob", null, null).json().get("key").asString());
        ApiClient.Response submitted = alice.submit("model bytes".getBytes(), "model.onnx", REQUEST, "same-key");
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.json().get("id").asString());
        assertThat(submitted.json().get("owner").asString()).isEqualTo("alice");

        // the job succeeds, with an artifact and a report
        var job = worker.awaitJob(id).job();
        worker.publish(SimulatedWorker.started(id, 1, 1));
        ArtifactRef output = worker.writeArtifact(id, 1, "model.onnx", "compressed".getBytes(), "application/octet-stream");
        worker.publish(new JobEvent.Succeeded(id, 1, 2, Instant.now(), List.of(output),
                SimulatedWorker.report("fp16", job.inputSha256(), output.sha256())));
        await().atMost(Duration.ofSeconds(20)).until(
                () -> alice.get("/api/v1/jobs/" + id).json().get("status").asString().equals("SUCCEEDED"));

        String job0 = "/api/v1/jobs/" + id;
        List<String> reads = List.of(job0, job0 + "/events", job0 + "/report", job0 + "/artifacts",
                job0 + "/artifacts/model.onnx");
        for (String path : reads) {
            assertThat(alice.get(path).status()).as("alice GET " + path).isEqualTo(200);
            assertThat(api.get(path).status()).as("admin GET " + path).isEqualTo(200);
            // for bob the job does not exist: the same answer as for a made-up id
            JsonNode hidden = bob.get(path).problem(404, "job_not_found");
            JsonNode unknown = bob.get(path.replace(id.toString(), UUID.randomUUID().toString()))
                .problem(404, "job_not_found");
            assertThat(hidden.get("title")).isEqualTo(unknown.get("title"));
        }
        bob.post(job0 + "/cancel").problem(404, "job_not_found");
        assertThat(sseStatus(bob.key(), id)).isEqualTo(404);
        assertThat(sseStatus(alice.key(), id)).isEqualTo(200);

        // lists: own jobs only; admins see everybody's
        assertThat(bob.get("/api/v1/jobs").json().get("items")).isEmpty();
        assertThat(alice.get("/api/v1/jobs").json().get("items").get(0).get("id").asString()).isEqualTo(id.toString());
        ApiClient.Response bobs = bob.submit("other model".getBytes(), "model.onnx", REQUEST, "same-key");
        // idempotency keys are per owner: bob's "same-key" is his own, a new job
        assertThat(bobs.status()).isEqualTo(202);
        assertThat(bobs.json().get("id").asString()).isNotEqualTo(id.toString());
        assertThat(alice.submit("model bytes".getBytes(), "model.onnx", REQUEST, "same-key").json().get("id").asString())
                .isEqualTo(id.toString());
        JsonNode everybody = api.get("/api/v1/jobs").json().get("items");
        assertThat(everybody.valueStream().map(j -> j.get("owner").asString()).toList()).containsExactly("alice", "bob");
        assertThat(alice.get("/api/v1/jobs").json().get("items")).hasSize(1);

        // cancelling: bob's own job, yes; an admin may cancel anybody's
        String bobsJob = bobs.json().get("id").asString();
        alice.post("/api/v1/jobs/" + bobsJob + "/cancel").problem(404, "job_not_found");
        assertThat(api.post("/api/v1/jobs/" + bobsJob + "/cancel").json().get("status").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void anOwnerMayHaveOnlySoManyActiveJobsAndAdminsAreExempt() throws Exception {
        ApiClient alice = api.withKey(createKey("alice", null, null).json().get("key").asString());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < TestServices.MAX_ACTIVE_JOBS; i++) {
            ApiClient.Response accepted = alice.submit(("model " + i).getBytes(), "model.onnx", REQUEST, null);
            assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
            ids.add(accepted.json().get("id").asString());
        }
        JsonNode refused = alice.submit("one more".getBytes(), "model.onnx", REQUEST, null)
                .problem(429, "too_many_active_jobs");
        assertThat(refused.get("detail").asString()).contains("alice", "max-active-jobs-per-owner");
        alice.submit("one more".getBytes(), "model.onnx", REQUEST, "with-key").problem(429, "too_many_active_jobs");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isEqualTo(TestServices.MAX_ACTIVE_JOBS);
        assertThat(store.list("jobs")).hasSize(TestServices.MAX_ACTIVE_JOBS);

        // another owner is not affected, nor is an idempotent replay of an accepted job
        ApiClient bob = api.withKey(createKey("bob", null, null).json().get("key").asString());
        assertThat(bob.submit("bob's".getBytes(), "model.onnx", REQUEST, null).status()).isEqualTo(202);

        // a finished (here: cancelled) job frees its place
        assertThat(alice.post("/api/v1/jobs/" + ids.getFirst() + "/cancel").status()).isEqualTo(200);
        assertThat(alice.submit("one more".getBytes(), "model.onnx", REQUEST, null).status()).isEqualTo(202);

        // admins are exempt
        for (int i = 0; i <= TestServices.MAX_ACTIVE_JOBS; i++) {
            assertThat(api.submit(("admin " + i).getBytes(), "model.onnx", REQUEST, null).status()).isEqualTo(202);
        }
    }

    @Test
    void aUserKeyOverItsRateGets429WithRetryAfterAndAdminsAreNotLimited() {
        ApiClient alice = api.withKey(createKey("alice", null, null).json().get("key").asString());
        ApiClient bob = api.withKey(createKey("bob", null, null).json().get("key").asString());
        List<ApiClient.Response> responses = new ArrayList<>();
        for (int i = 0; i < TestServices.REQUEST_BURST + 10; i++) {
            responses.add(alice.get("/api/v1/jobs"));
        }
        List<ApiClient.Response> limited = responses.stream().filter(r -> r.status() == 429).toList();
        assertThat(limited).isNotEmpty();
        assertThat(responses.stream().filter(r -> r.status() == 200).count()).isGreaterThanOrEqualTo(TestServices.REQUEST_BURST);
        ApiClient.Response first = limited.getFirst();
        JsonNode problem = first.problem(429, "rate_limited");
        assertThat(problem.get("detail").asString()).contains("requests-per-second");
        long retryAfter = Long.parseLong(first.header(HttpHeaders.RETRY_AFTER));
        assertThat(retryAfter).isBetween(1L, 2L);

        // the limit is per key: bob is not affected
        assertThat(bob.get("/api/v1/jobs").status()).isEqualTo(200);
        // the admin key is not limited
        for (int i = 0; i < TestServices.REQUEST_BURST + 10; i++) {
            assertThat(api.get("/api/v1/jobs").status()).isEqualTo(200);
        }
        // after Retry-After, alice may go on
        await().pollDelay(Duration.ofSeconds(retryAfter)).atMost(Duration.ofSeconds(retryAfter + 5))
                .until(() -> alice.get("/api/v1/jobs").status() == 200);
    }

    @Test
    void aFloodOfRequestsWithoutAValidKeyIsCutOffWithoutHurtingValidKeys() {
        ApiClient stranger = api.withKey("mp_0123456789abcdef_" + "B".repeat(43));
        List<Integer> statuses = new ArrayList<>();
        ApiClient.Response limited = null;
        // sent faster than the refill rate, the requests empty the address's bucket sooner or later
        for (int i = 0; i < 20 * TestServices.UNAUTHENTICATED_BURST && limited == null; i++) {
            ApiClient.Response response = stranger.get("/api/v1/jobs");
            statuses.add(response.status());
            if (response.status() == 429) {
                limited = response;
            }
        }
        assertThat(limited).as("statuses %s", statuses).isNotNull();
        limited.problem(429, "rate_limited");
        assertThat(limited.header(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
        assertThat(statuses.subList(0, TestServices.UNAUTHENTICATED_BURST - 5)).containsOnly(401);
        // valid keys are not affected by the flood
        assertThat(api.get("/api/v1/jobs").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> stranger.get("/api/v1/jobs").status() == 401);
    }

    @Test
    void uploadLimitStillHoldsForUserKeys() {
        ApiClient alice = api.withKey(createKey("alice", null, null).json().get("key").asString());
        byte[] big = new byte[1536 * 1024];
        new Random(2).nextBytes(big);
        alice.submit(big, "model.onnx", REQUEST, null).problem(413, "payload_too_large");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();
    }

    private ApiClient.Response createKey(String owner, String scope, String name) {
        Map<String, String> body = new java.util.LinkedHashMap<>();
        body.put("owner", owner);
        if (scope != null) {
            body.put("scope", scope);
        }
        if (name != null) {
            body.put("name", name);
        }
        return api.send("POST", "/api/v1/api-keys", MediaType.APPLICATION_JSON, json.writeValueAsBytes(body));
    }

    private int sseStatus(String key, UUID id) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/jobs/" + id + "/events"))
                .header(HttpHeaders.ACCEPT, MediaType.TEXT_EVENT_STREAM_VALUE)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + key).build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            // the job is terminal: a visible stream sends its events and ends
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

}
