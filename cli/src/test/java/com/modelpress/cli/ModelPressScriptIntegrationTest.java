package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.engine.ModelCompressor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code ./modelpress} script at the repository root as a user would. The first run after a source change
 * builds the CLI with Maven, which takes a minute; later runs start the JVM only.
 */
class ModelPressScriptIntegrationTest {

    /** A guard against a hung build, not a speed requirement. */
    static final long GIVE_UP_MINUTES = 15;

    static Path root;

    @TempDir
    Path dir;

    @BeforeAll
    static void findRepositoryRoot() {
        Path folder = Path.of("").toAbsolutePath();
        while (folder != null && !Files.isRegularFile(folder.resolve("modelpress"))) {
            folder = folder.getParent();
        }
        assertThat(folder).as("a folder above %s holding the modelpress script", Path.of("").toAbsolutePath()).isNotNull();
        root = folder;
    }

    @Test
    void scriptIsExecutableAndPrintsTheVersion() throws Exception {
        assertThat(root.resolve("modelpress")).isExecutable();

        Result result = run(root, "./modelpress", "--version");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out().strip()).isEqualTo("modelpress " + ModelCompressor.VERSION);
    }

    @Test
    void compressesWithPathsRelativeToTheCallersFolder() throws Exception {
        TinyModels.matMul(dir.resolve("tiny.onnx"));

        Result result = run(dir, root.resolve("modelpress").toString(),
                "compress", "tiny.onnx", "--method", "int8", "-o", "tiny-int8.onnx", "--samples", "1", "--latency-runs", "0");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(dir.resolve("tiny-int8.onnx")).isRegularFile();
        assertThat(dir.resolve("tiny-int8.report.json")).isRegularFile();
        assertThat(result.out()).contains("int8: tiny.onnx").contains("report: tiny-int8.report.json");
    }

    @Test
    void exitCodesReachTheShell() throws Exception {
        Result result = run(dir, root.resolve("modelpress").toString(), "compress", "missing.onnx", "-m", "int8", "-o", "x.onnx");

        assertThat(result.exitCode()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(result.err()).contains("error: model file not found: missing.onnx");
    }

    @Test
    void restCommandsSendTheKeyFromTheEnvironmentAndExitEightWhenItIsRefused() throws Exception {
        try (FakeApiServer api = new FakeApiServer()) {
            api.requiredKey = RestClientCommandsTest.KEY;
            String script = root.resolve("modelpress").toString();

            Result refused = run(dir, Map.of(ServerOption.KEY_ENV, "mp_wrong_key_0123456789abcdef0123456789"),
                    script, "status", FakeApiServer.JOB_ID, "--server", api.url());
            assertThat(refused.exitCode()).as(refused.err()).isEqualTo(ExitCode.UNAUTHORIZED);
            assertThat(refused.err()).contains("401", "--api-key");

            Result accepted = run(dir, Map.of(ServerOption.KEY_ENV, RestClientCommandsTest.KEY),
                    script, "status", FakeApiServer.JOB_ID, "--server", api.url());
            assertThat(accepted.exitCode()).as(accepted.err()).isZero();
            assertThat(accepted.out()).contains(FakeApiServer.JOB_ID, "SUCCEEDED");
        }
    }

    record Result(int exitCode, String out, String err) {}

    private Result run(Path workingDirectory, String... command) throws IOException, InterruptedException {
        return run(workingDirectory, Map.of(), command);
    }

    /** @param environment replaces this process's $MODELPRESS_API_KEY and adds to its environment */
    private Result run(Path workingDirectory, Map<String, String> environment, String... command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        List<String> commandLine = new ArrayList<>(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(commandLine);
        builder.environment().remove(ServerOption.KEY_ENV);
        builder.environment().putAll(environment);
        Process process = builder
                .directory(workingDirectory.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(GIVE_UP_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("modelpress did not finish within " + GIVE_UP_MINUTES + " minutes: " + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
