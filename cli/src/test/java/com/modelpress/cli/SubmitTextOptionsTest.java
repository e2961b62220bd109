package com.modelpress.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The language-model options of {@code submit} and the gates of {@code wait} are checked before any network call: the
 * server here is a port nothing listens on, so a check that came too late would exit 7 (unreachable), not 2.
 */
class SubmitTextOptionsTest {

    @TempDir
    Path dir;

    private String server;
    private Path model;
    private Path text;
    private Path other;
    private Path tokenizer;

    @BeforeEach
    void files() throws IOException {
        server = LocalPorts.url(LocalPorts.free());
        model = Files.write(dir.resolve("decoder.onnx"), new byte[] {1, 2, 3});
        text = Files.writeString(dir.resolve("eval.txt"), "some text\n");
        other = Files.writeString(dir.resolve("cal.txt"), "other text\n");
        tokenizer = Files.writeString(dir.resolve("tokenizer.json"), "{}");
    }

    @Test
    void badLanguageModelOptionsExitTwoBeforeTheServerIsAsked() {
        usage("--eval-text needs --tokenizer tokenizer.json", "--eval-text", text.toString());
        usage("--calibration-text needs --tokenizer", "--calibration-text", other.toString());
        usage("--tokenizer is only used with --calibration-text or --eval-text", "--tokenizer", tokenizer.toString());
        usage("are the same text", "--eval-text", text.toString(), "--calibration-text",
                copy(text, "same.txt").toString(), "--tokenizer", tokenizer.toString());
        usage("--calibration and --calibration-text exclude each other", "--calibration-text", other.toString(),
                "--calibration", copy(other, "samples.zip").toString(), "--tokenizer", tokenizer.toString());
        usage("--max-ppl-increase needs --eval-text", "--max-ppl-increase", "0.01", "--calibration-text",
                other.toString(), "--tokenizer", tokenizer.toString());
        usage("--context sets the windows of --eval-text/--calibration-text", "--context", "64");
        usage("--context: must be between 2 and 8192 tokens, not 1", "--context", "1", "--eval-text", text.toString(), "--tokenizer",
                tokenizer.toString());
        usage("--decode-steps: must be between 0 and 1024, not -1", "--decode-steps", "-1");
        usage("--head: must be one of [measured, int4, int8, kept], not 'int3'", "--head", "int3");
        usage("--max-kl: must be positive, not 0.0", "--max-kl", "0");
        usage("--max-ppl-increase: must be a positive fraction", "--max-ppl-increase", "-0.5", "--eval-text",
                text.toString(), "--tokenizer", tokenizer.toString());
        usage("no such file: " + dir.resolve("missing.txt"), "--eval-text", dir.resolve("missing.txt").toString(),
                "--tokenizer", tokenizer.toString());

        CliRun waitGate = CliRun.of("wait", "some-id", "--max-kl", "-1", "--server", server, "--api-key", "k");
        assertThat(waitGate.exitCode()).as(waitGate.err()).isEqualTo(ExitCode.USAGE);
        assertThat(waitGate.err()).contains("--max-kl: must be positive, not -1.0");
    }

    @Test
    void goodOptionsGetAsFarAsTheServer() {
        CliRun run = submit("--eval-text", text.toString(), "--calibration-text", other.toString(), "--tokenizer",
                tokenizer.toString(), "--context", "64", "--decode-steps", "0", "--head", "kept", "--max-kl", "0.01",
                "--max-ppl-increase", "0.02");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.SERVER_ERROR);
    }

    private void usage(String message, String... options) {
        CliRun run = submit(options);
        assertThat(run.exitCode()).as("%s: %s", List.of(options), run.err()).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains(message);
    }

    private CliRun submit(String... options) {
        List<String> args = new ArrayList<>(List.of("submit", model.toString(), "-m", "int4", "--server", server,
                "--api-key", "mp_0123456789abcdef_" + "k".repeat(43)));
        args.addAll(List.of(options));
        return CliRun.of(args.toArray(String[]::new));
    }

    private Path copy(Path file, String name) {
        try {
            return Files.copy(file, dir.resolve(name));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
