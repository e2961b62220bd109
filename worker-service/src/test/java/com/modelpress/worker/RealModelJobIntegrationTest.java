package com.modelpress.worker;

import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.files.Sha256;
import com.modelpress.storage.FilesystemArtifactStore;
import com.modelpress.storage.StoredArtifact;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.SpringBootTest;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;

import static com.modelpress.worker.JobEvents.ofType;
import static com.modelpress.worker.JobEvents.progress;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real all-MiniLM-L6-v2 (90 MB) through the worker with production-like intervals: progress at most every
 * 2 s per step, a heartbeat every 2 s. Logs the event timeline it measured.
 */
@SpringBootTest(classes = WorkerApplication.class, properties = {
        "spring.main.web-application-type=none",
        "modelpress.worker.progress-interval=2s",
        "modelpress.worker.heartbeat-interval=2s",
        "modelpress.worker.latency-runs=5"})
class RealModelJobIntegrationTest extends WorkerIntegrationTestSupport {

    private static final Logger log = LoggerFactory.getLogger(RealModelJobIntegrationTest.class);

    @Test
    void compressesMiniLmToInt8AndKeepsItFaithful() throws IOException {
        UUID jobId = UUID.randomUUID();
        StoredArtifact input = storeInput(jobId, "all-minilm-l6-v2.onnx", OnnxModels.miniLm());

        submit(job(jobId, input, "all-minilm-l6-v2.onnx", "int8", 2));
        List<JobEvent> events = awaitTerminal(jobId);
        logTimeline(events);

        assertThat(events.getFirst()).isInstanceOf(JobEvent.Started.class);
        assertThat(events).extracting(JobEvent::sequence)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
        for (String step : List.of("download", "compress", "evaluate", "upload")) {
            assertThat(progress(events, step)).as("progress of %s", step).isNotEmpty();
            assertThat(progress(events, step).getLast().fraction()).as("last progress of %s", step).isEqualTo(1.0);
        }
        JobEvent.Succeeded succeeded = (JobEvent.Succeeded) events.getLast();
        assertThat(succeeded.report().method()).isEqualTo("int8");
        assertThat(succeeded.report().evaluation().samples()).isEqualTo(2);
        assertThat(succeeded.report().worstCosineMean()).isGreaterThan(0.99);
        assertThat(succeeded.report().sizes().ratio()).isLessThan(0.35);
        for (ArtifactRef artifact : succeeded.artifacts()) {
            assertThat(Sha256.of(((FilesystemArtifactStore) store).pathOf(artifact.key())))
                    .as("SHA-256 of %s", artifact.name()).isEqualTo(artifact.sha256());
        }
        assertThat(succeeded.report().outputSha256()).isEqualTo(succeeded.artifacts().getFirst().sha256());
        assertSettled(jobId);
    }

    @Test
    void cancelWhileCompressingStopsTheJobAndLeavesNoArtifacts() throws IOException {
        UUID jobId = UUID.randomUUID();
        StoredArtifact input = storeInput(jobId, "all-minilm-l6-v2.onnx", OnnxModels.miniLm());

        submit(job(jobId, input, "all-minilm-l6-v2.onnx", "int4", 64));
        List<JobEvent> before = awaitEvent(jobId, e -> e instanceof JobEvent.Progress p && p.step().equals("compress"));
        cancel(jobId);
        List<JobEvent> after = awaitTerminal(jobId);

        assertThat(before.getFirst()).isInstanceOf(JobEvent.Started.class);
        assertThat(after.getLast()).isInstanceOf(JobEvent.Cancelled.class);
        assertThat(ofType(after, JobEvent.Succeeded.class)).isEmpty();
        assertThat(storedKeys(jobId, 1)).isEmpty();
        assertSettled(jobId);
    }

    private static void logTimeline(List<JobEvent> events) {
        StringBuilder timeline = new StringBuilder("MiniLM int8 job, events as published:");
        for (JobEvent event : events) {
            long millis = Duration.between(events.getFirst().at(), event.at()).toMillis();
            String detail = switch (event) {
                case JobEvent.Progress p -> "progress %s %.2f".formatted(p.step(), p.fraction());
                case JobEvent.Started s -> "started";
                case JobEvent.Heartbeat h -> "heartbeat";
                case JobEvent.Succeeded s -> "succeeded, cosine %.5f, ratio %.3f".formatted(
                        s.report().worstCosineMean(), s.report().sizes().ratio());
                case JobEvent.Failed f -> "failed " + f.code();
                case JobEvent.Cancelled c -> "cancelled";
            };
            timeline.append("%n  #%-3d %6d ms  %s".formatted(event.sequence(), millis, detail));
        }
        log.info(timeline.toString());
    }
}
