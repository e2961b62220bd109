package com.modelpress.worker;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.storage.FilesystemArtifactStore;
import com.modelpress.storage.StoredArtifact;
import com.modelpress.worker.input.HostileArchives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, item 3, against the real worker and RabbitMQ: archives whose headers declare (or bring) more than any
 * limit — a 20 MiB GNU long name in a gzip of kilobytes, a GNU long name and a pax record that declare 2 GiB, a zip
 * whose central directory holds 100,000 records behind an end record that declares one — each end the job
 * {@code FAILED invalid_archive} at the first attempt, with a short message that names no folder of the worker; and
 * the worker takes the next job.
 */
@SpringBootTest(classes = WorkerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "modelpress.worker.progress-interval=1h",
                "modelpress.worker.heartbeat-interval=1h",
                "modelpress.worker.latency-runs=0",
                "modelpress.worker.evaluation-samples=2"})
class HostileArchiveIntegrationTest extends WorkerIntegrationTestSupport {

    @TempDir
    Path temp;

    @Test
    void headerAndDirectoryBombsFailTheJobAtOnceAndTheWorkerGoesOn() throws IOException {
        Map<String, Path> archives = new LinkedHashMap<>();
        archives.put("gnu-long-name-20MiB.tgz", HostileArchives.gnuLongNameBomb(temp.resolve("a.tgz"), 20 << 20));
        archives.put("gnu-long-name-declares-2GiB.tar", HostileArchives.tar(temp.resolve("b.tar"), false,
                HostileArchives.tarHeader("././@LongLink", 'L', 2L << 30)));
        archives.put("pax-declares-2GiB.tar", HostileArchives.tar(temp.resolve("c.tar"), false,
                HostileArchives.tarHeader("PaxHeaders/x", 'x', 2L << 30)));
        archives.put("zip-100k-records-declares-1.zip", HostileArchives.misdeclared(temp.resolve("d.zip"), 100_000, 1));

        for (Map.Entry<String, Path> archive : archives.entrySet()) {
            UUID jobId = UUID.randomUUID();
            StoredArtifact input;
            try (InputStream content = Files.newInputStream(archive.getValue())) {
                input = storeInput(jobId, archive.getKey(), content);
            }
            submit(job(jobId, input, archive.getKey(), "int8", 2));
            List<JobEvent> events = awaitTerminal(jobId);
            assertThat(events.getLast()).as(archive.getKey()).isInstanceOfSatisfying(JobEvent.Failed.class, failed -> {
                assertThat(failed.code()).as("%s: %s", archive.getKey(), abbreviated(failed.message()))
                        .isEqualTo("invalid_archive");
                assertThat(failed.retryable()).as(archive.getKey()).isFalse();
                assertThat(failed.attempt()).isEqualTo(1);
                assertThat(failed.message()).as(archive.getKey()).hasSizeLessThan(500)
                        .doesNotContain(workRoot().toString()).doesNotContain("/tmp/");
            });
        }

        UUID good = UUID.randomUUID();
        StoredArtifact model = storeInput(good, "model.onnx", OnnxModels.matMul(16, 16, 1));
        submit(jobEvaluatedWith(good, model.key(), "model.onnx", model.sha256(), "int8",
                new CompressionRequest.EvaluationSpec(2, 7L, false)));
        assertThat(awaitTerminal(good).getLast()).isInstanceOf(JobEvent.Succeeded.class);
        assertSettled(good);
    }

    private Path workRoot() {
        return ((FilesystemArtifactStore) store).root().getParent();
    }

    private static String abbreviated(String message) {
        return message.length() > 300 ? message.substring(0, 300) + "… (" + message.length() + " characters)" : message;
    }
}
