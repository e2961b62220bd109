package com.modelpress.worker.sandbox;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.worker.OnnxModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine in the worker's own JVM ({@code sandbox.enabled=false}). */
class InProcessEngineTest {

    @TempDir
    Path dir;

    @Test
    void compressesAndStopsAtTheFirstProgressPastTheDeadline() throws Exception {
        Path model = dir.resolve("model.onnx");
        Files.write(model, OnnxModels.matMul(16, 16, 1));
        CompressionRequest request = new CompressionRequest("int8", CompressionOptions.defaults(), null, null, Map.of());
        EngineTask task = new EngineTask(UUID.randomUUID(), model, dir.resolve("out.onnx"), null, request, 1, 7, 0,
                Duration.ofMinutes(1));
        InProcessEngine engine = new InProcessEngine(Clock.systemUTC());
        EngineProgress quiet = new EngineProgress() {
            @Override
            public void onProgress(String step, double fraction) {
            }

            @Override
            public void checkCancelled(String during) {
            }
        };

        assertThat(engine.run(task, dir, Instant.now().plus(Duration.ofMinutes(5)), quiet).worstCosineMean()).isGreaterThan(0.999);
        assertThatThrownBy(() -> engine.run(task, dir, Instant.now().minusSeconds(1), quiet))
                .isInstanceOfSatisfying(EngineFailureException.class, e -> {
                    assertThat(e.kind().code()).isEqualTo("job_timeout");
                    assertThat(e.getMessage()).contains("during read");
                });
    }

    @Test
    void carriesTheRequestsDeclaredInputsToTheEngine() throws Exception {
        Path model = com.modelpress.engine.testing.OnnxFixtures.write(
                com.modelpress.engine.testing.RecurrentFixtures.voiceActivityDetector(5), dir.resolve("vad.onnx"));
        CompressionRequest request = new CompressionRequest("int8", CompressionOptions.defaults(), null,
                new CompressionRequest.EvaluationSpec(1, null, false, null, null,
                        Map.of("input", java.util.List.of(2L, 512L)), Map.of("batch", 2L), Map.of("sr", 16000d)), Map.of());
        EngineTask task = new EngineTask(UUID.randomUUID(), model, dir.resolve("vad-int8.onnx"), null, request, 1, 7, 0,
                Duration.ofMinutes(1));
        // the child JVM reads the task as JSON: the declarations must survive the trip
        EngineTask child = SandboxProtocol.JSON.readValue(SandboxProtocol.JSON.writeValueAsString(task), EngineTask.class);
        assertThat(child.request().evaluation().declaredInputs()).isEqualTo(request.evaluation().declaredInputs());
        EngineProgress quiet = new EngineProgress() {
            @Override
            public void onProgress(String step, double fraction) {
            }

            @Override
            public void checkCancelled(String during) {
            }
        };
        assertThat(new InProcessEngine(Clock.systemUTC()).run(child, dir, Instant.now().plus(Duration.ofMinutes(5)), quiet)
                .worstCosineMean()).isGreaterThan(0.99);
    }
}
