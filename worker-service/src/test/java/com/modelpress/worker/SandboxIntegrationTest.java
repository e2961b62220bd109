package com.modelpress.worker;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.contracts.job.Topology;
import com.modelpress.storage.StoredArtifact;
import com.modelpress.testfaults.TestFaults;
import com.modelpress.worker.sandbox.SandboxChild;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.modelpress.worker.JobEvents.ofType;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's child JVM against the real broker and ONNX Runtime: a 64 MB heap, test faults enabled, 20 s per
 * attempt, two attempts for crashes. Each failure must fail its attempt with a stable code while the worker
 * stays up and the next good job succeeds; cancel and timeout must leave no child process behind.
 */
@SpringBootTest(classes = WorkerApplication.class, properties = {
        "spring.main.web-application-type=none",
        "modelpress.worker.progress-interval=1h",
        "modelpress.worker.heartbeat-interval=1h",
        "modelpress.worker.latency-runs=0",
        "modelpress.worker.evaluation-samples=2",
        "modelpress.worker.max-job-duration=" + SandboxIntegrationTest.MAX_JOB_SECONDS + "s",
        "modelpress.worker.max-crash-attempts=2",
        "modelpress.worker.sandbox.max-heap=64m",
        "modelpress.worker.sandbox.stop-grace=2s"})
class SandboxIntegrationTest extends WorkerIntegrationTestSupport {

    static final int MAX_JOB_SECONDS = 20;

    /** The child runs with the fault agent, so a job's {@link TestFaults#METADATA_KEY} entry takes effect. */
    @DynamicPropertySource
    static void faultAgent(DynamicPropertyRegistry registry) {
        registry.add("modelpress.worker.sandbox.java-options",
                () -> TestFaults.javaOption() + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    }

    @AfterEach
    void noEngineLeftRunning() {
        assertThat(engineChildren(null)).as("engine JVMs still running").isEmpty();
    }

    @Test
    void goodJobSucceedsInTheChildJvm() throws IOException {
        UUID jobId = UUID.randomUUID();
        StoredArtifact input = storeInput(jobId, "model.onnx", OnnxModels.matMul(64, 64, 1));

        submit(job(jobId, input, "model.onnx", "int8", 4));
        List<JobEvent> events = awaitTerminal(jobId);

        assertThat(events.getLast()).isInstanceOfSatisfying(JobEvent.Succeeded.class, succeeded -> {
            assertThat(succeeded.report().method()).isEqualTo("int8");
            assertThat(succeeded.report().worstCosineMean()).isGreaterThan(0.999);
            assertThat(succeeded.artifacts()).hasSize(2);
        });
        assertThat(JobEvents.progress(events, "compress")).as("progress relayed from the child").isNotEmpty();
        assertThat(JobEvents.progress(events, "evaluate").getLast().fraction()).isEqualTo(1.0);
        assertSettled(jobId);
    }

    @Test
    void nativeCrashFailsTheAttemptNotTheWorkerAndEndsTheJobAfterMaxCrashAttempts() throws IOException {
        UUID crashing = UUID.randomUUID();
        JobMessage job = withFault(job(crashing, storeInput(crashing, "model.onnx", OnnxModels.matMul(16, 16, 2)),
                "model.onnx", "int8", null), TestFaults.NATIVE_CRASH);
        submit(job);

        JobEvent.Failed first = failed(awaitTerminal(crashing), "worker_crashed");
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(first.retryable()).isTrue();
        assertThat(first.message()).contains("SIGSEGV", "problematic frame", "libc", "attempt 1 of 2: trying again");
        assertSettled(crashing);
        retry(job, first);
        JobEvent.Failed last = failed(awaitTerminal(crashing), "worker_crashed");
        assertThat(last.attempt()).isEqualTo(2);
        assertThat(last.retryable()).as("the job ends FAILED").isFalse();
        assertThat(last.message()).contains("SIGSEGV", "attempt 2 of 2: giving up");
        assertThat(storedKeys(crashing, 1)).isEmpty();
        assertThat(storedKeys(crashing, 2)).isEmpty();

        assertGoodJobStillSucceeds();
        assertSettled(crashing);
        assertThat(rabbit.receive(Topology.JOBS_DEAD_LETTER_QUEUE, 200)).as("the worker ended the job itself").isNull();
    }

    @Test
    void tensorLargerThanTheHeapRunsOutOfMemoryAndTheWorkerGoesOn() throws IOException {
        UUID jobId = UUID.randomUUID();
        // one 4096 × 4096 float weight (64 MiB) inside the protobuf: the engine needs it in a 64 MiB heap
        JobMessage job = job(jobId, storeInput(jobId, "model.onnx", OnnxModels.matMul(4096, 4096, 3)), "model.onnx", "int8", null);
        submit(job);

        JobEvent.Failed first = failed(awaitTerminal(jobId), "out_of_memory");
        assertThat(first.retryable()).isTrue();
        assertThat(first.message()).contains("OutOfMemoryError", "max heap is 64m");
        assertSettled(jobId);
        retry(job, first);
        JobEvent.Failed last = failed(awaitTerminal(jobId), "out_of_memory");
        assertThat(last.retryable()).isFalse();
        assertThat(last.message()).contains("attempt 2 of 2: giving up");

        assertGoodJobStillSucceeds();
        assertSettled(jobId);
    }

    @Test
    void hangPastMaxJobDurationIsKilledAndFailsWithJobTimeout() throws IOException {
        UUID jobId = UUID.randomUUID();
        submit(withFault(job(jobId, storeInput(jobId, "model.onnx", OnnxModels.matMul(16, 16, 4)), "model.onnx", "int8", null),
                TestFaults.HANG));
        List<JobEvent> running = awaitEvent(jobId, e -> e instanceof JobEvent.Progress p && p.step().equals("read"));
        ProcessHandle child = engineChildren(jobId).getFirst();

        List<JobEvent> rest = awaitTerminal(jobId);

        JobEvent.Failed failed = failed(running, rest, "job_timeout");
        assertThat(failed.retryable()).as("a timeout is not retried").isFalse();
        assertThat(failed.message()).contains("max-job-duration (%ds)".formatted(MAX_JOB_SECONDS), "during step read");
        assertThat(Duration.between(running.getFirst().at(), failed.at())).isGreaterThanOrEqualTo(Duration.ofSeconds(MAX_JOB_SECONDS));
        assertThat(child.isAlive()).as("engine JVM %d", child.pid()).isFalse();
        assertThat(storedKeys(jobId, 1)).isEmpty();

        assertGoodJobStillSucceeds();
        assertSettled(jobId);
    }

    @Test
    void cancelKillsTheChildJvm() throws Exception {
        UUID jobId = UUID.randomUUID();
        submit(withFault(job(jobId, storeInput(jobId, "model.onnx", OnnxModels.matMul(16, 16, 5)), "model.onnx", "int8", null),
                TestFaults.HANG));
        awaitEvent(jobId, e -> e instanceof JobEvent.Progress p && p.step().equals("read"));
        ProcessHandle child = engineChildren(jobId).getFirst();
        assertThat(child.isAlive()).isTrue();

        Instant cancelledAt = Instant.now();
        cancel(jobId);
        List<JobEvent> events = awaitTerminal(jobId);

        assertThat(events.getLast()).isInstanceOf(JobEvent.Cancelled.class);
        assertThat(ofType(events, JobEvent.Failed.class)).isEmpty();
        assertThat(child.isAlive()).as("engine JVM %d", child.pid()).isFalse();
        assertThat(Duration.between(cancelledAt, Instant.now())).as("the hanging child is stopped, not waited for")
                .isLessThan(Duration.ofSeconds(MAX_JOB_SECONDS));
        assertThat(storedKeys(jobId, 1)).isEmpty();
        assertSettled(jobId);
    }

    private void assertGoodJobStillSucceeds() throws IOException {
        UUID good = UUID.randomUUID();
        submit(job(good, storeInput(good, "model.onnx", OnnxModels.matMul(32, 32, 9)), "model.onnx", "fp16", null));
        assertThat(awaitTerminal(good).getLast()).isInstanceOf(JobEvent.Succeeded.class);
    }

    private static JobMessage withFault(JobMessage job, String fault) {
        Map<String, String> metadata = new HashMap<>(job.request().metadata());
        metadata.put(TestFaults.METADATA_KEY, fault);
        CompressionRequest request = job.request();
        return new JobMessage(job.schemaVersion(), job.jobId(), job.inputKey(), job.inputName(), job.inputSha256(),
                new CompressionRequest(request.method(), request.options(), request.target(), request.evaluation(), metadata),
                job.submittedAt());
    }

    private static JobEvent.Failed failed(List<JobEvent> events, String code) {
        return failed(events, List.of(), code);
    }

    /** The attempt's events (in one or two parts) start with Started and end with a Failed of {@code code}. */
    private static JobEvent.Failed failed(List<JobEvent> first, List<JobEvent> rest, String code) {
        List<JobEvent> events = new java.util.ArrayList<>(first);
        events.addAll(rest);
        assertThat(events.getFirst()).isInstanceOf(JobEvent.Started.class);
        assertThat(events.getLast()).isInstanceOfSatisfying(JobEvent.Failed.class,
                failed -> assertThat(failed.code()).as("code of %s", failed).isEqualTo(code));
        return (JobEvent.Failed) events.getLast();
    }

    /** The engine JVMs this test JVM started, for the job when it is not null. */
    private static List<ProcessHandle> engineChildren(UUID jobId) {
        return ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(line -> line.contains(SandboxChild.class.getName())
                        && (jobId == null || line.contains(jobId.toString()))).orElse(false))
                .toList();
    }
}
