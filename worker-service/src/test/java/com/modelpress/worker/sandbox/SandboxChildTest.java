package com.modelpress.worker.sandbox;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.testfaults.TestFaults;
import com.modelpress.worker.OnnxModels;
import com.modelpress.worker.WorkerProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's child JVM on its own, started as the worker starts it. */
class SandboxChildTest {

    @TempDir
    Path dir;

    @Test
    void haltsWhenItsWorkerIsGone() throws Exception {
        Path model = dir.resolve("model.onnx");
        Files.write(model, OnnxModels.matMul(16, 16, 1));
        CompressionRequest request = new CompressionRequest("int8", CompressionOptions.defaults(), null, null,
                Map.of(TestFaults.METADATA_KEY, TestFaults.HANG));
        EngineTask task = new EngineTask(UUID.randomUUID(), model, dir.resolve("out.onnx"), null, request, 1, 7, 0,
                Duration.ofMinutes(1));
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        Files.createDirectories(scratch.resolve("tmp"));
        Path requestFile = scratch.resolve(SandboxProtocol.REQUEST);
        Files.write(requestFile, SandboxProtocol.JSON.writeValueAsBytes(task));
        SandboxCommand command = SandboxCommand.forThisJvm(new WorkerProperties.Sandbox(true, "64m",
                TestFaults.javaOption(), null));

        Process child = command.processBuilder(scratch, requestFile).redirectError(scratch.resolve("stderr.txt").toFile()).start();
        try (BufferedReader stdout = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(SandboxProtocol.parseProgress(stdout.readLine())).as("the hang reports progress first")
                    .contains(new SandboxProtocol.Progress("read", 0));
            // what the end of a worker process looks like to its child: the write end of its stdin closes
            child.getOutputStream().close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child stops on its own").isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).isEqualTo(SandboxProtocol.EXIT_ORPHANED);
        assertThat(scratch.resolve(SandboxProtocol.OUTCOME)).doesNotExist();
    }
}
