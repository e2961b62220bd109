package com.modelpress.worker;

import com.modelpress.contracts.job.JobMessage;

import com.modelpress.contracts.CompressionRequest;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.Topology;
import com.modelpress.files.Sha256;
import com.modelpress.storage.FilesystemArtifactStore;
import com.modelpress.storage.StoredArtifact;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static com.modelpress.worker.JobEvents.ofType;
import static com.modelpress.worker.JobEvents.progress;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker against the machine's RabbitMQ, with small models built in code. Progress is throttled to one
 * event per hour here, so each step reports exactly its first and last update.
 */
@SpringBootTest(classes = WorkerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "modelpress.worker.progress-interval=1h",
                "modelpress.worker.heartbeat-interval=1h",
                "modelpress.worker.latency-runs=0",
                "modelpress.worker.evaluation-samples=2"})
class JobLifecycleIntegrationTest extends WorkerIntegrationTestSupport {

    private static final List<String> STEPS = List.of("download", "read", "compress", "write", "evaluate", "sensitivity",
            "upload");

    @LocalServerPort
    int port;
    @org.springframework.beans.factory.annotation.Autowired
    @org.springframework.beans.factory.annotation.Qualifier("jobListenerContainer")
    org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer jobListenerContainer;

    @Test
    void compressesAModelStoresArtifactsAndReportsEveryStep() throws IOException {
        UUID jobId = UUID.randomUUID();
        StoredArtifact input = storeInput(jobId, "model.onnx", OnnxModels.matMul(64, 64, 1));

        submit(job(jobId, input, "model.onnx", "int8", 4));
        List<JobEvent> events = awaitTerminal(jobId);

        assertThat(events.getFirst()).isInstanceOfSatisfying(JobEvent.Started.class,
                started -> assertThat(started.workerId()).isNotBlank());
        assertThat(events).extracting(JobEvent::sequence).containsExactlyElementsOf(
                LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(events).extracting(JobEvent::attempt).containsOnly(1);
        assertThat(ofType(events, JobEvent.Progress.class).stream().map(JobEvent.Progress::step).distinct())
                .containsExactlyElementsOf(STEPS);
        for (String step : STEPS) {
            assertThat(progress(events, step)).as("progress of step %s: its first and last update", step).hasSizeBetween(1, 2);
        }
        for (String step : List.of("download", "compress", "evaluate", "upload")) {
            assertThat(progress(events, step).getLast().fraction()).as("last progress of %s", step).isEqualTo(1.0);
        }

        JobEvent.Succeeded succeeded = (JobEvent.Succeeded) events.getLast();
        assertThat(succeeded.artifacts()).extracting(ArtifactRef::name).containsExactly("model.onnx", "report.json");
        assertArtifactsMatchStoredFiles(jobId, succeeded.artifacts());
        FidelityReport report = succeeded.report();
        assertThat(report.method()).isEqualTo("int8");
        assertThat(report.inputSha256()).isEqualTo(input.sha256());
        assertThat(report.outputSha256()).isEqualTo(succeeded.artifacts().getFirst().sha256());
        assertThat(report.worstCosineMean()).isGreaterThan(0.999);
        assertThat(report.evaluation().samples()).isEqualTo(4);
        assertThat(report.sensitivity()).as("ranked by default").extracting(FidelityReport.TensorSensitivity::name)
                .containsExactlyInAnyOrderElementsOf(report.tensors().stream().filter(t -> !t.method().equals("kept"))
                        .map(FidelityReport.TensorReport::name).toList());
        FidelityReport stored = json.readValue(Files.readAllBytes(pathOf(succeeded.artifacts().getLast())), FidelityReport.class);
        assertThat(stored.outputSha256()).isEqualTo(report.outputSha256());
        assertThat(stored.outputs()).isEqualTo(report.outputs());

        assertSettled(jobId);
        try (Stream<Path> left = Files.list(workDir())) {
            assertThat(left).as("work folders left behind").isEmpty();
        }
    }

    @Test
    void invalidModelFailsWithoutRetryAndTheWorkerTakesTheNextJob() throws IOException {
        UUID bad = UUID.randomUUID();
        UUID good = UUID.randomUUID();
        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        submit(job(bad, storeInput(bad, "model.onnx", noise), "model.onnx", "int8", null));
        StoredArtifact goodInput = storeInput(good, "model.onnx", OnnxModels.matMul(32, 48, 2));
        submit(jobEvaluatedWith(good, goodInput.key(), "model.onnx", goodInput.sha256(), "fp16",
                new CompressionRequest.EvaluationSpec(null, 7L, false)));

        assertFailed(awaitTerminal(bad), "invalid_model");
        assertThat(storedKeys(bad, 1)).isEmpty();
        JobEvent.Succeeded succeeded = (JobEvent.Succeeded) awaitTerminal(good).getLast();
        assertThat(succeeded.report().method()).isEqualTo("fp16");
        assertThat(succeeded.report().evaluation().samples()).as("the worker's default samples").isEqualTo(2);
        assertThat(succeeded.report().sensitivity()).as("sensitivity: false").isEmpty();
        assertSettled(good);
    }

    @Test
    void autoJobSearchesForTheTargetAndAutoWithoutOneIsInvalid() throws IOException {
        UUID jobId = UUID.randomUUID();
        JobMessage plain = job(jobId, storeInput(jobId, "model.onnx", OnnxModels.matMul(64, 64, 5)), "model.onnx", "auto", 2);
        CompressionRequest withTarget = new CompressionRequest("auto", plain.request().options(),
                new CompressionRequest.Target(0.999), plain.request().evaluation(), plain.request().metadata());
        submit(new JobMessage(plain.schemaVersion(), jobId, plain.inputKey(), plain.inputName(), plain.inputSha256(),
                withTarget, plain.submittedAt()));

        JobEvent terminal = awaitTerminal(jobId).getLast();
        assertThat(terminal).isInstanceOf(JobEvent.Succeeded.class);
        JobEvent.Succeeded succeeded = (JobEvent.Succeeded) terminal;
        assertThat(succeeded.report().method()).isEqualTo("auto");
        assertThat(succeeded.report().worstCosineMean()).isGreaterThanOrEqualTo(0.999);
        assertThat(succeeded.report().notes()).anySatisfy(note -> assertThat(note).contains("auto: target cosine 0.99900 met"));
        assertSettled(jobId);

        UUID noTarget = UUID.randomUUID();
        submit(job(noTarget, storeInput(noTarget, "model.onnx", OnnxModels.matMul(16, 16, 3)), "model.onnx", "auto", null));
        assertThat(assertFailed(awaitTerminal(noTarget), "invalid_request").message()).contains("target.minCosine");
        assertSettled(noTarget);
    }

    @Test
    void uploadedCalibrationSamplesDriveGptq() throws IOException {
        UUID jobId = UUID.randomUUID();
        StoredArtifact model = storeInput(jobId, "model.onnx", OnnxModels.matMul(64, 64, 5));
        java.io.ByteArrayOutputStream zip = new java.io.ByteArrayOutputStream();
        java.util.Random random = new java.util.Random(4);
        Path scratch = java.nio.file.Files.createTempDirectory("calibration-npy");
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(zip)) {
            for (int sample = 0; sample < 128; sample++) {
                float[] x = new float[64];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                Path npy = scratch.resolve("x" + sample + ".npy");
                com.modelpress.engine.evaluation.Npy.write(npy,
                        com.modelpress.engine.evaluation.NpyArray.ofFloats(x, 1, 64));
                out.putNextEntry(new java.util.zip.ZipEntry("samples/%03d/X.npy".formatted(sample)));
                out.write(java.nio.file.Files.readAllBytes(npy));
                out.closeEntry();
            }
        }
        StoredArtifact calibration = storeInput(jobId, "calibration/samples.zip", zip.toByteArray());
        JobMessage plain = job(jobId, model, "model.onnx", "int4", 2);
        submit(new JobMessage(plain.schemaVersion(), jobId, plain.inputKey(), plain.inputName(), plain.inputSha256(),
                plain.request(), plain.submittedAt(), calibration.key(), calibration.sha256()));

        JobEvent terminal = awaitTerminal(jobId).getLast();
        assertThat(terminal).isInstanceOf(JobEvent.Succeeded.class);
        FidelityReport report = ((JobEvent.Succeeded) terminal).report();
        assertThat(report.notes()).anySatisfy(note -> assertThat(note).contains("calibrated on the samples in"));
        assertThat(report.tensors()).anySatisfy(t -> assertThat(t.encoding()).endsWith("GPTQ"));
        assertSettled(jobId);
    }

    @Test
    void declaredInputsReachTheEngineAndBadOnesAreAnInvalidRequest() throws IOException {
        byte[] vad = com.modelpress.engine.testing.RecurrentFixtures.voiceActivityDetector(4).toByteArray();
        UUID jobId = UUID.randomUUID();
        StoredArtifact model = storeInput(jobId, "model.onnx", vad);
        submit(jobEvaluatedWith(jobId, model.key(), "model.onnx", model.sha256(), "int8",
                new CompressionRequest.EvaluationSpec(2, 7L, false, null, null, java.util.Map.of("input", List.of(2L, 512L)),
                        java.util.Map.of("batch", 2L), java.util.Map.of("sr", 16000d))));
        JobEvent terminal = awaitTerminal(jobId).getLast();
        assertThat(terminal).as("%s", terminal).isInstanceOf(JobEvent.Succeeded.class);
        assertThat(((JobEvent.Succeeded) terminal).report().evaluation().description())
                .contains("sr int64 []: every element 16000 (declared)");
        assertSettled(jobId);

        UUID bad = UUID.randomUUID();
        StoredArtifact same = storeInput(bad, "model.onnx", vad);
        submit(jobEvaluatedWith(bad, same.key(), "model.onnx", same.sha256(), "int8",
                new CompressionRequest.EvaluationSpec(2, 7L, false, null, null,
                        java.util.Map.of("input", List.of(1L << 20, 1L << 20)), null, null)));
        assertThat(assertFailed(awaitTerminal(bad), "invalid_request").message())
                .contains("evaluation.shapes.input 1048576x1048576 holds more than 16777216 elements");
        assertSettled(bad);
    }

    @Test
    void unknownMethodIsAnInvalidRequest() throws IOException {
        UUID jobId = UUID.randomUUID();
        submit(job(jobId, storeInput(jobId, "model.onnx", OnnxModels.matMul(16, 16, 3)), "model.onnx", "int3", null));

        JobEvent.Failed failed = assertFailed(awaitTerminal(jobId), "invalid_request");
        assertThat(failed.message()).contains("int3");
        assertThat(storedKeys(jobId, 1)).isEmpty();
        assertSettled(jobId);
    }

    @Test
    void jobMessageWithFieldsThisWorkerDoesNotKnowIsStillRead() {
        UUID jobId = UUID.randomUUID();
        tools.jackson.databind.node.ObjectNode message = json.valueToTree(
                job(jobId, "jobs/%s/input/model.onnx".formatted(jobId), "model.onnx", "0".repeat(64), "int3", null));
        message.put("priority", "high");
        message.withObject("request").put("futureOption", true);
        publish(Topology.JOBS_EXCHANGE, Topology.JOBS_ROUTING_KEY, json.writeValueAsBytes(message));

        assertFailed(awaitTerminal(jobId), "invalid_request");
        assertSettled(jobId);
    }

    @Test
    void inputWhoseBytesDoNotMatchTheSha256IsCorrupt() {
        UUID jobId = UUID.randomUUID();
        StoredArtifact input = storeInput(jobId, "model.onnx", OnnxModels.matMul(16, 16, 4));
        submit(job(jobId, input.key(), "model.onnx", "0".repeat(64), "int8", null));

        JobEvent.Failed failed = assertFailed(awaitTerminal(jobId), "input_corrupt");
        assertThat(failed.message()).contains(input.sha256());
        assertSettled(jobId);
    }

    @Test
    void zipWithModelAndExternalDataIsCompressedWithExternalData() throws IOException {
        UUID jobId = UUID.randomUUID();
        OnnxModels.Files model = OnnxModels.matMulWithExternalData(64, 32, 5);
        byte[] zip = zip(new Entry("net/model.onnx", model.model()), new Entry("net/model.onnx.data", model.externalData()));
        submit(job(jobId, storeInput(jobId, "model.zip", zip), "model.zip", "int8", null));

        JobEvent.Succeeded succeeded = (JobEvent.Succeeded) awaitTerminal(jobId).getLast();
        assertThat(succeeded.artifacts()).extracting(ArtifactRef::name)
                .containsExactly("model.onnx", "model.onnx.data", "report.json");
        assertArtifactsMatchStoredFiles(jobId, succeeded.artifacts());
        assertThat(succeeded.report().worstCosineMean()).isGreaterThan(0.999);
        assertSettled(jobId);
    }

    /** Every archive form the API accepts for a model reaches the worker, which reads it by its content. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"model.tar", "model.tar.gz", "model.tgz"})
    void tarAndGzippedTarWithModelAndExternalDataAreCompressedWithExternalData(String name) throws IOException {
        UUID jobId = UUID.randomUUID();
        OnnxModels.Files model = OnnxModels.matMulWithExternalData(64, 32, 7);
        byte[] tar = tar(!name.endsWith(".tar"), new Entry("net/model.onnx", model.model()),
                new Entry("net/model.onnx.data", model.externalData()));
        submit(job(jobId, storeInput(jobId, name, tar), name, "int8", null));

        JobEvent.Succeeded succeeded = (JobEvent.Succeeded) awaitTerminal(jobId).getLast();
        assertThat(succeeded.artifacts()).extracting(ArtifactRef::name)
                .containsExactly("model.onnx", "model.onnx.data", "report.json");
        assertArtifactsMatchStoredFiles(jobId, succeeded.artifacts());
        assertSettled(jobId);
    }

    @Test
    void zipWithAParentFolderEntryIsRefused() throws IOException {
        UUID jobId = UUID.randomUUID();
        byte[] zip = zip(new Entry("model.onnx", OnnxModels.matMul(16, 16, 6)), new Entry("../escaped.onnx", new byte[]{1}));
        submit(job(jobId, storeInput(jobId, "model.zip", zip), "model.zip", "int8", null));

        JobEvent.Failed failed = assertFailed(awaitTerminal(jobId), "invalid_archive");
        assertThat(failed.message()).contains("../escaped.onnx");
        try (Stream<Path> everything = Files.walk(workDir().getParent())) {
            assertThat(everything).noneMatch(p -> p.getFileName().toString().equals("escaped.onnx"));
        }
        assertSettled(jobId);
    }

    @Test
    void jobCancelledBeforeItArrivesIsCancelledWithoutWork() throws Exception {
        UUID jobId = UUID.randomUUID();
        StoredArtifact input = storeInput(jobId, "model.onnx", OnnxModels.matMul(16, 16, 7));
        cancel(jobId);
        awaitCancelRecorded(jobId);
        submit(job(jobId, input, "model.onnx", "int8", null));

        List<JobEvent> events = awaitTerminal(jobId);
        assertThat(events).singleElement().isInstanceOfSatisfying(JobEvent.Cancelled.class,
                cancelled -> assertThat(cancelled.sequence()).isEqualTo(1));
        assertThat(storedKeys(jobId, 1)).isEmpty();
        assertSettled(jobId);
    }

    @Test
    void messageThatIsNotAJobIsDeadLetteredWithoutEvents() {
        TestBroker.assumeQuorumQueues();
        byte[] poison = "this is { not a job".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        publish(Topology.JOBS_EXCHANGE, Topology.JOBS_ROUTING_KEY, poison);

        Message dead = rabbit.receive(Topology.JOBS_DEAD_LETTER_QUEUE, JOB_DEADLINE.toMillis());
        assertThat(dead).isNotNull();
        assertThat(dead.getBody()).isEqualTo(poison);
        assertSettled(UUID.randomUUID());
        assertThat(jobsWithUnclaimedEvents()).as("jobs with events").isEmpty();
    }

    @Test
    void missingInputIsRetriedUntilTheAttemptLimitThenFails() throws IOException {
        UUID jobId = UUID.randomUUID();
        JobMessage job = job(jobId, "jobs/%s/input/model.onnx".formatted(jobId), "model.onnx", "0".repeat(64), "int8", null);
        submit(job);

        for (int attempt = 1; attempt <= Topology.JOB_ATTEMPT_LIMIT; attempt++) {
            JobEvent.Failed failed = assertFailedWith(awaitTerminal(jobId), "internal_error");
            assertThat(failed.attempt()).isEqualTo(attempt);
            assertThat(failed.sequence()).as("Started, then Failed").isEqualTo(2);
            assertThat(failed.retryable()).as("retryable on attempt %d", attempt).isEqualTo(attempt < Topology.JOB_ATTEMPT_LIMIT);
            assertThat(failed.message()).contains("NoSuchFileException")
                    .endsWith(attempt < Topology.JOB_ATTEMPT_LIMIT ? "trying again)" : "giving up)");
            assertSettled(jobId);
            if (failed.retryable()) {
                retry(job, failed);
            }
        }
        assertThat(rabbit.receive(Topology.JOBS_DEAD_LETTER_QUEUE, 200)).as("the worker ended the job itself").isNull();
    }

    @Test
    void redeliveredJobMessageIsReportedLostAndNotRunAgain() throws Exception {
        UUID jobId = UUID.randomUUID();
        JobMessage job = job(jobId, storeInput(jobId, "model.onnx", OnnxModels.matMul(16, 16, 11)), "model.onnx", "int8", null)
                .forAttempt(2);
        // a consumer takes attempt 2's message and its connection goes away without settling it, as a killed worker's
        jobListenerContainer.stop();
        try {
            submit(job);
            com.modelpress.embedded.TestServices.AmqpSettings amqp = com.modelpress.embedded.TestServices.amqp();
            com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
            factory.setHost(amqp.host());
            factory.setPort(amqp.port());
            factory.setUsername(amqp.username());
            factory.setPassword(amqp.password());
            factory.setVirtualHost(amqp.virtualHost());
            try (com.rabbitmq.client.Connection connection = factory.newConnection()) {
                com.rabbitmq.client.Channel channel = connection.createChannel();
                com.rabbitmq.client.GetResponse taken = null;
                for (int i = 0; i < 200 && taken == null; i++) {
                    taken = channel.basicGet(Topology.JOBS_QUEUE, false);
                    if (taken == null) {
                        Thread.sleep(50);
                    }
                }
                assertThat(taken).as("the job message").isNotNull();
                assertThat(taken.getEnvelope().isRedeliver()).isFalse();
            }
        } finally {
            jobListenerContainer.start();
        }

        List<JobEvent> events = awaitTerminal(jobId);

        assertThat(events).hasSize(1);
        assertThat(events.getFirst()).isInstanceOfSatisfying(JobEvent.Failed.class, lost -> {
            assertThat(lost.code()).isEqualTo(JobEvent.WORKER_LOST);
            assertThat(lost.attempt()).isEqualTo(2);
            assertThat(lost.sequence()).isEqualTo(JobEvent.ABANDONED_SEQUENCE);
            assertThat(lost.retryable()).isTrue();
        });
        assertThat(storedKeys(jobId, 2)).as("the attempt was not run again").isEmpty();
        assertSettled(jobId);
    }

    @Test
    void actuatorServesReadinessAndJobMetrics() throws Exception {
        UUID jobId = UUID.randomUUID();
        submit(job(jobId, storeInput(jobId, "model.onnx", OnnxModels.matMul(16, 16, 8)), "model.onnx", "int3", null));
        awaitTerminal(jobId);

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> readiness = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:%d/actuator/health/readiness".formatted(port))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"UP\"");
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:%d/actuator/prometheus".formatted(port))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("modelpress_worker_jobs_total{outcome=\"invalid_request\"");
        }
    }

    private static JobEvent.Failed assertFailed(List<JobEvent> events, String code) {
        JobEvent.Failed failed = assertFailedWith(events, code);
        assertThat(failed.retryable()).isFalse();
        return failed;
    }

    private static JobEvent.Failed assertFailedWith(List<JobEvent> events, String code) {
        assertThat(events.getFirst()).isInstanceOf(JobEvent.Started.class);
        assertThat(events.getLast()).isInstanceOf(JobEvent.Failed.class);
        JobEvent.Failed failed = (JobEvent.Failed) events.getLast();
        assertThat(failed.code()).as("code of %s", failed).isEqualTo(code);
        return failed;
    }

    private void assertArtifactsMatchStoredFiles(UUID jobId, List<ArtifactRef> artifacts) throws IOException {
        for (ArtifactRef artifact : artifacts) {
            assertThat(artifact.key()).startsWith("jobs/%s/attempt-1/".formatted(jobId)).endsWith("/" + artifact.name());
            Path file = pathOf(artifact);
            assertThat(Files.size(file)).isEqualTo(artifact.sizeBytes());
            assertThat(Sha256.of(file)).as("SHA-256 of %s", artifact.name()).isEqualTo(artifact.sha256());
        }
        assertThat(storedKeys(jobId, 1)).containsExactlyInAnyOrderElementsOf(artifacts.stream().map(ArtifactRef::key).toList());
    }

    private Path pathOf(ArtifactRef artifact) {
        return ((FilesystemArtifactStore) store).pathOf(artifact.key());
    }

    private Path workDir() {
        return ((FilesystemArtifactStore) store).root().resolveSibling("work");
    }

    private record Entry(String name, byte[] content) {}

    private static byte[] zip(Entry... entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Entry entry : entries) {
                zip.putNextEntry(new ZipEntry(entry.name()));
                zip.write(entry.content());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] tar(boolean gzip, Entry... entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream raw = gzip ? new java.util.zip.GZIPOutputStream(bytes) : bytes;
             org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar =
                     new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(raw)) {
            for (Entry entry : entries) {
                org.apache.commons.compress.archivers.tar.TarArchiveEntry header =
                        new org.apache.commons.compress.archivers.tar.TarArchiveEntry(entry.name());
                header.setSize(entry.content().length);
                tar.putArchiveEntry(header);
                tar.write(entry.content());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
