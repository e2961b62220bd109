package com.modelpress.worker.sandbox;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.testing.LargeModels;
import com.modelpress.worker.WorkerProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's child JVM with a 512 MiB heap compresses a model whose external data (1.6 GiB of float weights,
 * 16 tensors of 100 MiB) is over three times that heap: the engine must stream the weights, one tensor at a time.
 * Takes tens of seconds and 2.3 GB of temporary disk, deleted afterwards.
 */
class SandboxMemoryTest {

    private static final Logger log = LoggerFactory.getLogger(SandboxMemoryTest.class);
    private static final String MAX_HEAP = "512m";
    private static final int WIDTH = 5120;
    private static final int LAYERS = 16;

    @TempDir
    Path dir;

    @Test
    void childWithA512MebibyteHeapCompressesAModelThreeTimesLarger() throws Exception {
        long started = System.nanoTime();
        Path model = LargeModels.write(dir.resolve("input"), "model", WIDTH, LAYERS);
        long weights = Files.size(model.resolveSibling("model.onnx.data"));
        assertThat(weights).isEqualTo(4L * WIDTH * WIDTH * LAYERS).isGreaterThan(3L * (512L << 20));
        long generated = System.nanoTime();

        Path output = Files.createDirectories(dir.resolve("output")).resolve("model.onnx");
        CompressionRequest request = new CompressionRequest("fp16", CompressionOptions.defaults(), null,
                new CompressionRequest.EvaluationSpec(1, 7L, false), Map.of());
        EngineTask task = new EngineTask(UUID.randomUUID(), model, output, null, request, 1, 7, 0, Duration.ofMinutes(10));
        SandboxedEngine engine = new SandboxedEngine(
                SandboxCommand.forThisJvm(new WorkerProperties.Sandbox(true, MAX_HEAP, null, null)),
                MAX_HEAP, Duration.ofSeconds(2), Clock.systemUTC());
        RecordingProgress progress = new RecordingProgress();

        SandboxedEngine.Ending ending = engine.runChild(task, Files.createDirectories(dir.resolve("scratch")),
                Instant.now().plus(Duration.ofMinutes(5)), progress);
        long compressed = System.nanoTime();

        assertThat(ending.exit()).as("exit code; console: %s", ending.console()).isZero();
        assertThat(ending.outcome()).isInstanceOfSatisfying(ChildOutcome.Succeeded.class, succeeded -> {
            assertThat(succeeded.maxHeapBytes()).as("the child's heap limit").isLessThanOrEqualTo(512L << 20);
            assertThat(succeeded.peakHeapBytes()).isLessThanOrEqualTo(succeeded.maxHeapBytes());
            log.info("peak heap {} MiB of {} MiB for {} MiB of weights", succeeded.peakHeapBytes() >> 20,
                    succeeded.maxHeapBytes() >> 20, weights >> 20);
        });
        FidelityReport report = SandboxedEngine.judge(ending.exit(), ending.outcome(), ending.errorReport(),
                ending.console(), MAX_HEAP);
        assertThat(report.sizes().originalWeightBytes()).isEqualTo(weights);
        assertThat(report.sizes().ratio()).isBetween(0.49, 0.51);
        assertThat(report.worstCosineMean()).isGreaterThan(0.999);
        assertThat(Files.size(output.resolveSibling("model.onnx.data"))).isEqualTo(weights / 2);
        assertThat(progress.steps()).contains("read", "compress", "write", "evaluate");
        log.info("generating {} MiB took {} s; compressing and evaluating in the child {} s; engine steps {}", weights >> 20,
                (generated - started) / 1_000_000_000, (compressed - generated) / 1_000_000_000, report.timings());
    }

    /** Records the steps the child reported. */
    private static final class RecordingProgress implements EngineProgress {

        private final List<String> steps = new CopyOnWriteArrayList<>();

        @Override
        public void onProgress(String step, double fraction) {
            if (!steps.contains(step)) {
                steps.add(step);
            }
        }

        @Override
        public void checkCancelled(String during) {
            // never cancelled
        }

        List<String> steps() {
            return List.copyOf(steps);
        }
    }
}
