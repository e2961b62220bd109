package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.engine.testing.HostileCorpus;
import com.modelpress.engine.testing.HostileCorpus.Case;
import com.modelpress.engine.testing.HostileCorpus.Outcome;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Every case of the hostile corpus through {@code modelpress compress}: a refused model gets exit code 3 and exactly
 * one {@code error:} line ending with its stable code, no stack trace, and leaves no output model, data file or
 * report behind; a case that is not an error (an already-quantized model) succeeds as documented.
 */
class HostileInputCompressTest {

    @TempDir
    Path dir;

    static List<Case> cases() {
        return HostileCorpus.cases();
    }

    /** int4 runs the model in ONNX Runtime to calibrate before it evaluates: a refusal there has the same code. */
    @org.junit.jupiter.api.Test
    void calibrationReportsOnnxRuntimeRefusalsWithTheSameCode() throws IOException {
        Case unknownOp = cases().stream().filter(c -> c.name().equals("unknown-op")).findFirst().orElseThrow();
        Path model = unknownOp.write(Files.createDirectories(dir.resolve("int4"))).cliModel();
        Path output = dir.resolve("int4-out.onnx");

        CliRun run = CliRun.of("compress", model.toString(), "--method", "int4", "-o", output.toString(),
                "--samples", "1", "--latency-runs", "0", "--calibration-samples", "2");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(run.errorLines()).singleElement().satisfies(line -> assertThat(line)
                .contains("cannot load the model model.onnx").endsWith("[unsupported_operator]"));
        assertThat(output).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void compressAnswersEveryCaseAsTheCorpusSays(Case hostile) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(hostile.name()));
        Path model = hostile.write(folder).cliModel();
        Path out = Files.createDirectories(dir.resolve(hostile.name() + "-out"));
        Path output = out.resolve("compressed.onnx");
        Path report = out.resolve("compressed.report.json");

        CliRun run = CliRun.of("compress", model.toString(), "--method", "int8", "-o", output.toString(),
                "--samples", "1", "--latency-runs", "0");

        assertThat(run.err()).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
        switch (hostile.cli()) {
            case Outcome.Refused(var defect) -> {
                assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.BAD_MODEL);
                assertThat(run.errorLines()).as(run.err()).singleElement()
                        .satisfies(line -> assertThat(line).endsWith("[" + defect.code() + "]"));
                assertThat(run.err()).doesNotContain("--debug");
                try (var left = Files.list(out)) {
                    assertThat(left.toList()).as("nothing is left behind").isEmpty();
                }
            }
            case Outcome.Succeeds(boolean nothingToCompress) -> {
                assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.OK);
                JsonNode written = JsonMapper.builder().build().readTree(report);
                assertThat(written.get("nothingToCompress").asBoolean()).isEqualTo(nothingToCompress);
                if (nothingToCompress) {
                    assertThat(Files.mismatch(model, output)).as("a byte copy of the input").isEqualTo(-1);
                }
            }
            case Outcome.Problem _, Outcome.JobFailed _ ->
                    throw new AssertionError("not a command-line outcome: " + hostile.cli());
        }
    }
}
