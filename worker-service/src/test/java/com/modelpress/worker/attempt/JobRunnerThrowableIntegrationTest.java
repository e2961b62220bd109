package com.modelpress.worker.attempt;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.engine.evaluation.ExecutionProvider;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.StoredArtifact;
import com.modelpress.worker.WorkerApplication;
import com.modelpress.worker.WorkerIntegrationTestSupport;
import com.modelpress.worker.WorkerProperties;
import com.modelpress.worker.events.EventPublisher;
import com.modelpress.worker.input.ArchiveExtractor;
import com.modelpress.worker.input.ArchiveLimits;
import com.modelpress.worker.input.InputFetcher;
import com.modelpress.worker.sandbox.InProcessEngine;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link JobRunner} against the real broker when an {@link Error}, not an exception, is thrown during an attempt: by
 * the storage client while the input downloads (a class missing from its class path, a stack overflow in its parser,
 * the worker's heap running out). Each must end the attempt with a terminal event that names it, settle the message,
 * and leave no work folder behind: never a job stuck in {@code RUNNING}.
 */
@SpringBootTest(classes = WorkerApplication.class, properties = {
        "spring.main.web-application-type=none",
        "modelpress.worker.progress-interval=1h",
        "modelpress.worker.heartbeat-interval=1h"})
class JobRunnerThrowableIntegrationTest extends WorkerIntegrationTestSupport {

    @Autowired
    WorkerProperties properties;
    @Autowired
    MeterRegistry meters;
    @Autowired
    ScheduledExecutorService heartbeatScheduler;

    record Thrown(String name, Supplier<Error> error, String code, String told) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Thrown> errors() {
        return Stream.of(
                new Thrown("NoClassDefFoundError", () -> new NoClassDefFoundError("software/amazon/awssdk/core/ResponseBytes"),
                        "internal_error", "NoClassDefFoundError: software/amazon/awssdk/core/ResponseBytes"),
                new Thrown("StackOverflowError", StackOverflowError::new, "internal_error", "StackOverflowError"),
                new Thrown("OutOfMemoryError", () -> new OutOfMemoryError("Java heap space"), "out_of_memory",
                        "the worker ran out of memory during the attempt (Java heap space)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void anErrorDuringAnAttemptEndsItWithAnEventThatNamesIt(Thrown thrown) throws IOException {
        UUID jobId = UUID.randomUUID();
        StoredArtifact input = storeInput(jobId, "model.onnx", new byte[] {1, 2, 3});
        ArtifactStore failing = new FailingOnOpen(store, thrown.error());
        JobRunner runner = new JobRunner(properties, "test-worker", failing,
                new InputFetcher(failing, new ArchiveExtractor(new ArchiveLimits(10, 1 << 20, 10, 100, 4096))),
                new ArtifactWriter(failing, json), new EventPublisher(rabbit, json, Duration.ofSeconds(30)), cancelledJobs,
                heartbeatScheduler, new InProcessEngine(Clock.systemUTC()), Clock.systemUTC(), meters, ExecutionProvider.CPU);
        JobMessage job = new JobMessage(JobMessage.SCHEMA_VERSION, jobId, input.key(), "model.onnx", input.sha256(),
                new CompressionRequest("int8", CompressionOptions.defaults(), null, null, Map.of()), Instant.now());

        Disposition disposition = runner.run(job, 2);

        assertThat(disposition).as("the message is settled: the API publishes the next attempt").isEqualTo(Disposition.ACK);
        List<JobEvent> events = awaitTerminal(jobId);
        assertThat(events.getFirst()).isInstanceOf(JobEvent.Started.class);
        assertThat(events.getLast()).isInstanceOfSatisfying(JobEvent.Failed.class, failed -> {
            assertThat(failed.attempt()).isEqualTo(2);
            assertThat(failed.code()).isEqualTo(thrown.code());
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.message()).startsWith(thrown.told()).contains("attempt 2 of", "trying again");
        });
        try (Stream<Path> left = Files.list(ROOT.resolve("work"))) {
            assertThat(left.map(Path::getFileName).map(Path::toString)).as("work folders left")
                    .noneMatch(name -> name.contains(jobId.toString()));
        }
    }

    /** The real store, except that opening an object throws what a broken storage client would. */
    private record FailingOnOpen(ArtifactStore store, Supplier<Error> error) implements ArtifactStore {
        @Override
        public StoredArtifact put(String key, InputStream content, long maxBytes) throws IOException {
            return store.put(key, content, maxBytes);
        }

        @Override
        public Optional<StoredArtifact> stat(String key) throws IOException {
            return store.stat(key);
        }

        @Override
        public InputStream open(String key, long offset, long length) {
            throw error.get();
        }

        @Override
        public List<String> list(String prefix) throws IOException {
            return store.list(prefix);
        }

        @Override
        public void deleteAll(String prefix) throws IOException {
            store.deleteAll(prefix);
        }
    }

}
