package com.modelpress.api.job;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.api.support.TestServices;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static com.modelpress.api.job.JobLifecycleIntegrationTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retention and uploads against the real API, PostgreSQL and the filesystem artifact store: {@code DELETE} removes a
 * finished job and everything stored for it, refuses an active one, and the TTL sweeper deletes jobs that ended long
 * ago; a refused submit stores nothing; every archive form of an upload is accepted.
 */
class JobRetentionIntegrationTest extends ApiIntegrationTest {

    private static final String REQUEST = "{\"method\":\"int4\"}";

    @Test
    void deletingAFinishedJobRemovesItsObjectsEventsAndRow() throws Exception {
        UUID id = submitWithCalibration(api);
        finish(id);
        assertThat(store.list("jobs/" + id)).hasSize(3); // input, calibration samples, the attempt's model

        ApiClient.Response deleted = api.delete("/api/v1/jobs/" + id);

        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertThat(store.list("jobs/" + id)).isEmpty();
        assertThat(Files.exists(TestServices.ARTIFACTS.resolve("jobs").resolve(id.toString()))).isFalse();
        assertThat(count("select count(*) from jobs where id = :id", id)).isZero();
        assertThat(count("select count(*) from job_events where job_id = :id", id)).isZero();
        assertThat(count("select count(*) from artifacts where job_id = :id", id)).isZero();
        api.get("/api/v1/jobs/" + id).problem(404, "job_not_found");
        api.get("/api/v1/jobs/" + id + "/artifacts/model.onnx").problem(404, "job_not_found");
        api.delete("/api/v1/jobs/" + id).problem(404, "job_not_found");
        assertThat(api.get("/api/v1/jobs").json().get("items")).isEmpty();
    }

    @Test
    void anActiveJobIsNotDeletedAndAnotherOwnersJobIsNotFound() throws Exception {
        UUID queued = submitWithCalibration(api);

        api.delete("/api/v1/jobs/" + queued).problem(409, "job_active");
        assertThat(store.list("jobs/" + queued)).hasSize(2);
        assertThat(api.get("/api/v1/jobs/" + queued).json().get("status").asString()).isEqualTo("QUEUED");

        finish(queued);
        ApiClient mallory = api.withKey(createUserKey("mallory"));
        mallory.delete("/api/v1/jobs/" + queued).problem(404, "job_not_found");
        assertThat(store.list("jobs/" + queued)).hasSize(3);
        assertThat(count("select count(*) from jobs where id = :id", queued)).isOne();
    }

    @Test
    void theSweeperDeletesJobsThatEndedLongerAgoThanTheTtlAndKeepsTheRest() throws Exception {
        UUID old = submitWithCalibration(api);
        UUID recent = submitWithCalibration(api);
        UUID active = submitWithCalibration(api);
        finish(old);
        finish(recent);
        // as if the first had ended before the TTL began
        jdbc.sql("update jobs set finished_at = :at where id = :id")
                .param("at", java.sql.Timestamp.from(Instant.now().minus(TestServices.FINISHED_JOB_TTL).minusSeconds(60)))
                .param("id", old).update();

        await().atMost(Duration.ofSeconds(30)).until(() -> count("select count(*) from jobs where id = :id", old) == 0);

        assertThat(store.list("jobs/" + old)).isEmpty();
        assertThat(store.list("jobs/" + recent)).hasSize(3);
        assertThat(store.list("jobs/" + active)).hasSize(2);
        assertThat(api.get("/api/v1/jobs/" + recent).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/jobs/" + active).status()).isEqualTo(200);
    }

    @Test
    void aDeletionThatStorageInterruptedIsFinishedByTheSweeper() throws Exception {
        UUID id = submitWithCalibration(api);
        finish(id);
        // marked deleted, as DELETE leaves a job when storage fails before its objects are gone
        jdbc.sql("update jobs set deleted_at = now() where id = :id").param("id", id).update();
        api.get("/api/v1/jobs/" + id).problem(404, "job_not_found");

        await().atMost(Duration.ofSeconds(30)).until(() -> count("select count(*) from jobs where id = :id", id) == 0);
        assertThat(store.list("jobs/" + id)).isEmpty();
    }

    @Test
    void aSubmitRefusedForItsCalibrationNameStoresNothing() throws Exception {
        Path jobs = Files.createDirectories(TestServices.ARTIFACTS.resolve("jobs"));
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            jobs.register(watch, StandardWatchEventKinds.ENTRY_CREATE);

            ApiClient.Response refused = api.submit(randomBytes(50_000, 3), "model.onnx", REQUEST, null,
                    "samples".getBytes(StandardCharsets.UTF_8), "samples.npy");

            refused.problem(422, "invalid_model_file");
            assertThat(refused.json().get("detail").asString()).contains("samples.npy");
            WatchKey key = watch.poll(1, TimeUnit.SECONDS);
            assertThat(key == null ? List.of() : key.pollEvents().stream().map(e -> e.context().toString()).toList())
                    .as("folders created under jobs/ by the refused submit").isEmpty();
        } catch (ClosedWatchServiceException e) {
            throw new AssertionError(e);
        }
        assertThat(store.list("jobs")).isEmpty();
        assertThat(count("select count(*) from jobs", null)).isZero();
    }

    @Test
    void everyArchiveFormIsAcceptedForTheModelAndTheCalibrationSamples() throws IOException {
        for (String name : List.of("model.zip", "model.tar", "model.tar.gz", "model.tgz", "MODEL.TGZ")) {
            ApiClient.Response accepted = api.submit(randomBytes(100, 5), name, REQUEST, null,
                    randomBytes(100, 6), name.replace("model", "samples"));
            assertThat(accepted.status()).as(name + ": " + accepted.text()).isEqualTo(202);
            assertThat(accepted.json().at("/input/name").asString()).isEqualTo(name);
        }
        for (String name : List.of("model.gz", "model.tar.bz2", "model.7z")) {
            api.submit(randomBytes(100, 5), name, REQUEST, null).problem(422, "invalid_model_file");
        }
        assertThat(store.list("jobs")).hasSize(10);
    }

    private UUID submitWithCalibration(ApiClient client) {
        ApiClient.Response response = client.submit(randomBytes(1000, 1), "model.onnx", REQUEST, null,
                randomBytes(200, 2), "samples.zip");
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        return UUID.fromString(response.json().get("id").asString());
    }

    /** A worker runs the job to success and stores its model. */
    private void finish(UUID id) throws IOException {
        worker.publish(SimulatedWorker.started(id, 1, 1));
        ArtifactRef out = worker.writeArtifact(id, 1, "model.onnx", randomBytes(300, 4), "application/octet-stream");
        worker.publish(new JobEvent.Succeeded(id, 1, 2, Instant.now(), List.of(out),
                SimulatedWorker.report("int4", "00", out.sha256())));
        await().atMost(Duration.ofSeconds(20)).until(() -> api.get("/api/v1/jobs/" + id).json()
                .get("status").asString().equals("SUCCEEDED"));
    }

    private String createUserKey(String owner) {
        ApiClient.Response created = api.send("POST", "/api/v1/api-keys", MediaType.APPLICATION_JSON,
                json.writeValueAsBytes(Map.of("owner", owner, "scope", "user")));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return created.json().get("key").asString();
    }

    private long count(String sql, UUID id) {
        var statement = jdbc.sql(sql);
        return (id == null ? statement : statement.param("id", id)).query(Long.class).single();
    }

}
