package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.testing.TinyLm;
import com.modelpress.engine.testing.OnnxFixtures;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * The start-up cache the script trains after a build is used on later starts, and one the JVM cannot use (here:
     * not a cache at all) leaves the command's output as it is: the JVM's complaints about it are switched off.
     */
    @Test
    void startUpCacheIsMadeAndAnUnusableOneStaysSilent() throws Exception {
        assertThat(run(root, "./modelpress", "--version").exitCode()).isZero();
        Path cache = root.resolve("cli/target/modelpress.aot");
        assertThat(cache).as("made by the first run after the build").isNotEmptyFile();
        Path saved = dir.resolve("modelpress.aot");
        Files.copy(cache, saved);
        try {
            Files.writeString(cache, "not an AOT cache");

            Result result = run(root, "./modelpress", "--version");

            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out().strip()).isEqualTo("modelpress " + ModelCompressor.VERSION);
            assertThat(result.err()).isEmpty();
        } finally {
            Files.copy(saved, cache, StandardCopyOption.REPLACE_EXISTING);
        }
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

    /**
     * What a new user does after {@code ./modelpress serve}, all through the launcher and so on its own class path
     * ({@code cli/target/lib}, never the test class path): the platform starts on a fresh data folder (a new
     * {@code ~/.modelpress}), a plain model and a tar holding a model with external data (which the worker extracts)
     * are submitted and followed to success ({@code submit --wait}, then {@code status}, {@code wait} and
     * {@code report}), their artifacts downloaded, and SIGTERM stops it. A class the product
     * needs at run time that only the test class path has (commons-compress for the embedded PostgreSQL and for tar
     * extraction was one) fails this test.
     */
    @Test
    void servesSubmitsAndDownloadsOnAFreshDataFolder() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Map<String, String> user = Map.of("MODELPRESS_JAVA_OPTS", "-Duser.home=" + home);
        int port = LocalPorts.free();
        String server = LocalPorts.url(port);
        String script = root.resolve("modelpress").toString();
        TinyModels.matMul(dir.resolve("tiny.onnx"));
        Path tar = tarWithExternalData(Files.createDirectories(dir.resolve("external")));

        Process serve = startServe(script, port, user);
        try {
            assertThat(home.resolve(".modelpress").resolve(LocalApiKey.FILE_NAME)).isRegularFile();

            for (Path model : List.of(dir.resolve("tiny.onnx"), tar)) {
                Result submitted = run(dir, user, script, "submit", model.toString(), "--method", "int8", "--samples", "1",
                        "--wait", "--server", server);
                assertThat(submitted.exitCode()).as("submit --wait %s: %s%n%s", model.getFileName(), submitted.out(),
                        submitted.err()).isZero();
                Matcher id = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                        .matcher(submitted.out());
                assertThat(id.find()).as("a job id in: %s", submitted.out()).isTrue();

                for (String command : List.of("status", "wait", "report")) {
                    Result answer = run(dir, user, script, command, id.group(), "--server", server);
                    assertThat(answer.exitCode()).as("%s: %s", command, answer.err()).isZero();
                    assertThat(answer.out()).as(command).isNotBlank();
                }
                Path downloads = dir.resolve("downloads-" + id.group());
                Result downloaded = run(dir, user, script, "download", id.group(), "-o", downloads.toString(),
                        "--server", server);
                assertThat(downloaded.exitCode()).as(downloaded.err()).isZero();
                assertThat(downloads.resolve("report.json")).isRegularFile();
                try (var files = Files.list(downloads)) {
                    assertThat(files.map(f -> f.getFileName().toString())).anyMatch(name -> name.endsWith(".onnx"));
                }
            }
        } finally {
            stop(serve);
        }
        String serveErr = Files.readString(dir.resolve("serve.err"));
        assertThat(serve.exitValue()).as("serve after SIGTERM: %s", serveErr).isIn(0, 143);
        assertThat(serveErr).doesNotContain("Exception in thread", "NoClassDefFoundError");
    }

    /**
     * The shared tinylm decoder (skipped when absent) through {@code ./modelpress serve} and {@code ./modelpress submit
     * --wait}, all on the launcher's class path: int4 calibrated on its cal.txt, scored on its eval.txt through its own
     * tokenizer.json in the worker's sandboxed child, gated by KL and perplexity; {@code status} shows the same table.
     * README's tinylm numbers for {@code compress} (int4: KL mean 0.0035, ln(PPL ratio) 0.0046) are the yardstick.
     */
    @Test
    void servesATinyLmJobOnItsOwnTextsAndGatesItByKlAndPerplexity() throws Exception {
        Path tinyModel = TinyLm.model();
        Path home = Files.createDirectories(dir.resolve("home"));
        Map<String, String> user = Map.of("MODELPRESS_JAVA_OPTS", "-Duser.home=" + home);
        int port = LocalPorts.free();
        String server = LocalPorts.url(port);
        String script = root.resolve("modelpress").toString();
        Process serve = startServe(script, port, user);
        try {
            Result submitted = run(dir, user, script, "submit", tinyModel.toString(), "--method", "int4",
                    "--eval-text", TinyLm.evaluationText().toString(), "--calibration-text",
                    TinyLm.calibrationText().toString(), "--tokenizer", TinyLm.tokenizer().toString(), "--no-sensitivity",
                    "--wait", "--max-kl", "0.01", "--max-ppl-increase", "0.02", "--server", server);
            System.out.println("tinylm through serve + submit --wait:\n" + submitted.out());
            assertThat(submitted.exitCode()).as("%s%n%s", submitted.out(), submitted.err()).isZero();
            assertThat(submitted.out()).contains("next-token fidelity of 'logits' on 24 windows of 128 tokens from eval.txt, "
                    + "then 32 decode steps each").containsPattern("SUCCEEDED: worst mean cosine [0-9.]+, mean KL prefill "
                    + "[0-9.e-]+ <= 0.01, mean KL decode [0-9.e-]+ <= 0.01, perplexity [-+][0-9.]+% <= 2%");
            String id = submitted.out().lines().findFirst().orElseThrow().strip();
            Result status = run(dir, user, script, "status", id, "--server", server);
            assertThat(status.exitCode()).as(status.err()).isZero();
            assertThat(status.out()).contains(id + " SUCCEEDED method=int4").contains("prefill").contains("decode")
                    .contains("llama.cpp mean KL");
        } finally {
            stop(serve);
        }
        assertThat(Files.readString(dir.resolve("serve.err"))).doesNotContain("Exception in thread", "NoClassDefFoundError");
    }

    /**
     * {@code ./modelpress serve --port PORT} in the test's folder with the user's environment and no API key of the
     * caller's, its output in {@code serve.out} and {@code serve.err}; returns once it says it is running.
     */
    private Process startServe(String script, int port, Map<String, String> user) throws IOException, InterruptedException {
        Path serveOut = dir.resolve("serve.out");
        Path serveErr = dir.resolve("serve.err");
        ProcessBuilder builder = new ProcessBuilder(script, "serve", "--port", Integer.toString(port))
                .directory(dir.toFile()).redirectOutput(serveOut.toFile()).redirectError(serveErr.toFile());
        builder.environment().remove(ServerOption.KEY_ENV);
        builder.environment().putAll(user);
        Process serve = builder.start();
        try {
            awaitReady(serve, serveOut, serveErr);
        } catch (AssertionError | IOException | InterruptedException e) {
            stop(serve);
            throw e;
        }
        return serve;
    }

    /** SIGTERM, then, after two minutes, SIGKILL. */
    private static void stop(Process serve) throws InterruptedException {
        serve.destroy();
        if (!serve.waitFor(2, TimeUnit.MINUTES)) {
            serve.destroyForcibly();
        }
    }

    /** Waits until serve says it is running; fails with what it printed when it exits first. */
    private static void awaitReady(Process serve, Path out, Path err) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(GIVE_UP_MINUTES);
        while (!Files.readString(out).contains("ModelPress is running")) {
            if (!serve.isAlive()) {
                throw new AssertionError("modelpress serve exited with " + serve.exitValue() + " before it was ready:\n"
                        + Files.readString(out) + Files.readString(err));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("modelpress serve was not ready within " + GIVE_UP_MINUTES + " minutes:\n"
                        + Files.readString(err));
            }
            Thread.sleep(250);
        }
    }

    /** {@code model.tar}: a model and its external data file, as a user uploads a model over 2 GB. */
    private static Path tarWithExternalData(Path folder) throws IOException {
        OnnxFixtures.withExternalData(folder, 64, 64, 11);
        Path tar = folder.resolveSibling("model.tar");
        try (OutputStream file = Files.newOutputStream(tar); TarArchiveOutputStream out = new TarArchiveOutputStream(file)) {
            for (String name : List.of("model.onnx", "model.onnx.data")) {
                TarArchiveEntry entry = new TarArchiveEntry(folder.resolve(name), name);
                out.putArchiveEntry(entry);
                Files.copy(folder.resolve(name), out);
                out.closeArchiveEntry();
            }
        }
        return tar;
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
