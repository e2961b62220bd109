package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

class CompressCommandTest {

    /** The methods that need nothing but a method id; {@code auto} also needs a target (tested on its own). */
    static final List<String> METHODS = CompressionMethod.IDS.stream().filter(id -> !id.equals("auto")).toList();

    @TempDir
    Path dir;

    Path model;

    @BeforeEach
    void writeModel() throws IOException {
        model = TinyModels.matMul(dir.resolve("tiny.onnx"));
    }

    @ParameterizedTest
    @FieldSource("METHODS")
    void compressesWithEachMethodAndWritesTheReport(String method) {
        Path output = dir.resolve("tiny-" + method + ".onnx");
        Path reportFile = dir.resolve("report-" + method + ".json");

        CliRun run = CliRun.of("compress", model.toString(), "--method", method, "-o", output.toString(),
                "--report", reportFile.toString(), "--samples", "2", "--latency-runs", "2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(output).isRegularFile();
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        assertThat(report.get("method").asString()).isEqualTo(method);
        assertThat(report.at("/outputs/0/name").asString()).isEqualTo("Y");
        assertThat(report.at("/outputs/0/cosineMean").asDouble()).isGreaterThan(0.99);
        double ratio = report.at("/sizes/ratio").asDouble();
        assertThat(ratio).isBetween(0.05, 0.9);
        assertThat(report.get("bitsPerWeight").asDouble()).isBetween(1.0, 17.0);
        assertThat(report.at("/tensors/0/name").asString()).isEqualTo("W");
        assertThat(report.at("/tensors/0/method").asString()).isNotEqualTo("kept");
        assertThat(report.at("/versions/engine").asString()).isEqualTo(ModelCompressor.VERSION);
        assertThat(report.get("seed").asLong()).isEqualTo(7);
        assertThat(report.get("sessionOptions").isObject()).isTrue();
        assertThat(report.at("/evaluation/samples").asInt()).isEqualTo(2);
        assertThat(report.at("/latency/runs").asInt()).isEqualTo(2);
        assertThat(run.out())
                .contains("ratio " + String.format(Locale.ROOT, "%.3f", ratio))
                .contains("report: " + reportFile)
                .contains("latency (CPU, median of 2 runs)");
    }

    @Test
    void aRecurrentModelNeedsItsInputsDeclaredAndSaysHow() {
        Path vad = com.modelpress.engine.testing.OnnxFixtures.write(
                com.modelpress.engine.testing.RecurrentFixtures.voiceActivityDetector(2), dir.resolve("vad.onnx"));
        Path output = dir.resolve("vad-int8.onnx");
        CliRun refused = CliRun.of("compress", vad.toString(), "-m", "int8", "-o", output.toString(), "--samples", "2",
                "--latency-runs", "0", "--no-sensitivity");
        assertThat(refused.exitCode()).as(refused.err()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(refused.err()).contains("input float32[?,?] fed as [1,1]", "--shape NAME=AxB", "--set NAME=VALUE",
                "--dim SYMBOL=N", "[synthesised_inputs_rejected]");
        assertThat(output).doesNotExist();

        CliRun declared = CliRun.of("compress", vad.toString(), "-m", "int8", "-o", output.toString(), "--samples", "2",
                "--latency-runs", "0", "--no-sensitivity", "--shape", "input=2x512", "--dim", "batch=2", "--set", "sr=16000");
        assertThat(declared.exitCode()).as(declared.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(dir.resolve("vad-int8.report.json"));
        assertThat(report.at("/evaluation/description").toString()).contains("sr int64 []: every element 16000 (declared)");
        assertThat(report.at("/outputs/0/cosineMean").asDouble()).isGreaterThan(0.99);

        CliRun unknown = CliRun.of("compress", vad.toString(), "-m", "int8", "-o", output.toString(), "--set", "rate=8000");
        assertThat(unknown.exitCode()).as(unknown.err()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(unknown.err()).contains("--set rate (evaluation.values) names no input of the model; its inputs are "
                + "input, state, sr");
        CliRun malformed = CliRun.of("compress", vad.toString(), "-m", "int8", "-o", output.toString(), "--dim", "batch");
        assertThat(malformed.exitCode()).as(malformed.err()).isEqualTo(ExitCode.USAGE);
        assertThat(malformed.err()).contains("--dim batch: expected SYMBOL=SIZE");
    }

    @Test
    void calibrationMemoryIsASizeAndReachesTheReport() {
        Path reportFile = dir.resolve("budget.json");
        CliRun run = CliRun.of("compress", model.toString(), "-m", "int4", "-o", dir.resolve("budget.onnx").toString(),
                "--report", reportFile.toString(), "--samples", "1", "--latency-runs", "0", "--no-sensitivity",
                "--calibration-samples", "64", "--calibration-memory", "3m");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(JsonMapper.builder().build().readTree(reportFile).get("notes").toString())
                .contains("within a 3 MB budget");

        CliRun bad = CliRun.of("compress", model.toString(), "-m", "int4", "-o", dir.resolve("bad.onnx").toString(),
                "--calibration-memory", "lots");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("'lots' is not a size");
    }

    @Test
    void writesTheReportNextToTheOutputByDefault() {
        CliRun run = CliRun.of("compress", model.toString(), "-m", "int8", "-o", dir.resolve("small.onnx").toString(),
                "--samples", "1", "--latency-runs", "0", "--seed", "11");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Path reportFile = dir.resolve("small.report.json");
        assertThat(JsonMapper.builder().build().readTree(reportFile).get("seed").asLong()).isEqualTo(11);
        assertThat(run.out()).contains("report: " + reportFile).contains("latency: not measured");
    }

    @Test
    void writesNoReportWhenAskedNot() throws IOException {
        CliRun run = CliRun.of("compress", model.toString(), "-m", "fp16", "-o", dir.resolve("small.onnx").toString(),
                "--samples", "1", "--latency-runs", "0", "--no-report");

        assertThat(run.exitCode()).as(run.err()).isZero();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("tiny.onnx", "small.onnx");
        }
        assertThat(run.out()).contains("report: not written");
    }

    @Test
    void passesOptionsAndSessionConfigToTheEngine() {
        Path reportFile = dir.resolve("r.json");
        CliRun run = CliRun.of("compress", model.toString(), "-m", "int4", "-o", dir.resolve("small.onnx").toString(),
                "--block-size", "16", "--symmetric", "--min-elements", "100", "--keep-names", "--samples", "1",
                "--latency-runs", "0",
                "--session-config", "session.intra_op.allow_spinning=0", "--report", reportFile.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        assertThat(report.at("/options/blockSize").asInt()).isEqualTo(16);
        assertThat(report.at("/options/symmetric").asBoolean()).isTrue();
        assertThat(report.at("/options/minElements").asLong()).isEqualTo(100);
        assertThat(report.at("/options/keepNames").asBoolean()).isTrue();
        assertThat(report.get("notes").toString()).doesNotContain("graph names shortened");
        assertThat(report.at("/tensors/0/blockSize").asInt()).isEqualTo(16);
        assertThat(report.at("/sessionOptions/session.intra_op.allow_spinning").asString()).isEqualTo("0");
    }

    @Test
    void calibratesInt4OnAGivenFolderAndRefusesTheEvaluationFolder() throws IOException {
        Path calibration = dir.resolve("calibration");
        java.util.Random random = new java.util.Random(3);
        int k = TinyModels.SIZE;
        for (int s = 0; s < 2 * k; s++) {
            float[] x = new float[k];
            for (int i = 0; i < k; i++) {
                x[i] = (float) random.nextGaussian();
            }
            com.modelpress.engine.evaluation.Npy.write(Files.createDirectories(calibration.resolve("s" + s)).resolve("X.npy"),
                    com.modelpress.engine.evaluation.NpyArray.ofFloats(x, 1, k));
        }
        Path reportFile = dir.resolve("r.json");
        CliRun run = CliRun.of("compress", model.toString(), "-m", "int4", "-o", dir.resolve("small.onnx").toString(),
                "--calibration", calibration.toString(), "--samples", "2", "--latency-runs", "0",
                "--report", reportFile.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        assertThat(report.at("/tensors/0/encoding").asString()).endsWith("GPTQ");
        assertThat(report.get("notes").toString()).contains("calibrated on the samples in");

        CliRun same = CliRun.of("compress", model.toString(), "-m", "int4", "-o", dir.resolve("other.onnx").toString(),
                "--calibration", calibration.toString(), "--inputs", calibration.toString());
        assertThat(same.exitCode()).isEqualTo(2);
        assertThat(same.err()).contains("same folder");

        CliRun off = CliRun.of("compress", model.toString(), "-m", "int4", "-o", dir.resolve("plain.onnx").toString(),
                "--calibration-samples", "0", "--samples", "1", "--latency-runs", "0", "--report", reportFile.toString());
        assertThat(off.exitCode()).as(off.err()).isZero();
        assertThat(JsonMapper.builder().build().readTree(reportFile).at("/tensors/0/encoding").asString()).isEqualTo("MatMulNBits");
    }

    @Test
    void autoFitsTheModelToATargetSizeAndRefusesImpossibleOnes() throws IOException {
        long original = java.nio.file.Files.size(model);
        Path reportFile = dir.resolve("fit.json");
        Path output = dir.resolve("fit.onnx");
        CliRun run = CliRun.of("compress", model.toString(), "-m", "auto", "--target-size", (original / 4) + "B",
                "--max-evaluations", "20", "-o", output.toString(), "--samples", "2", "--latency-runs", "0",
                "--no-sensitivity", "--report", reportFile.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(java.nio.file.Files.size(output)).isLessThanOrEqualTo(original / 4);
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        assertThat(report.at("/auto/targetMet").asBoolean()).isTrue();
        assertThat(report.at("/auto/target").asString()).isEqualTo("size " + (original / 4) + "B");
        assertThat(report.at("/auto/maxEvaluations").asInt()).isEqualTo(20);
        assertThat(report.at("/auto/fit/widths")).isNotEmpty();

        CliRun tooSmall = CliRun.of("compress", model.toString(), "-m", "auto", "--target-size", "1KB",
                "-o", dir.resolve("small.onnx").toString());
        assertThat(tooSmall.exitCode()).as(tooSmall.err()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(tooSmall.err()).contains("cannot fit the model to size 1KB", "the smallest it can be made is about");
        assertThat(dir.resolve("small.onnx")).doesNotExist();

        CliRun badSize = CliRun.of("compress", model.toString(), "-m", "auto", "--target-size", "small",
                "-o", dir.resolve("x.onnx").toString());
        assertThat(badSize.exitCode()).isEqualTo(2);
        assertThat(badSize.err()).contains("'small' is not a size", "750MiB");
        CliRun lowBits = CliRun.of("compress", model.toString(), "-m", "auto", "--target-bpw", "1.5",
                "-o", dir.resolve("x.onnx").toString());
        assertThat(lowBits.exitCode()).isEqualTo(2);
        assertThat(lowBits.err()).contains("between 2");
        CliRun sizeWithoutAuto = CliRun.of("compress", model.toString(), "-m", "int4", "--target-size", "1MB",
                "-o", dir.resolve("x.onnx").toString());
        assertThat(sizeWithoutAuto.exitCode()).isEqualTo(2);
    }

    @Test
    void autoFindsAMixForTheTargetAndNeedsOne() throws IOException {
        Path reportFile = dir.resolve("auto.json");
        CliRun run = CliRun.of("compress", model.toString(), "-m", "auto", "--min-cosine", "0.999", "--budget", "2m",
                "-o", dir.resolve("auto.onnx").toString(), "--samples", "2", "--latency-runs", "0",
                "--report", reportFile.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        assertThat(report.get("method").asString()).isEqualTo("auto");
        assertThat(report.at("/outputs/0/cosineMean").asDouble()).isGreaterThanOrEqualTo(0.999);
        assertThat(report.get("notes").toString()).contains("auto: target cosine 0.99900 met");

        CliRun noTarget = CliRun.of("compress", model.toString(), "-m", "auto", "-o", dir.resolve("x.onnx").toString());
        assertThat(noTarget.exitCode()).isEqualTo(2);
        assertThat(noTarget.err()).contains("--min-cosine");
        CliRun badBudget = CliRun.of("compress", model.toString(), "-m", "auto", "--min-cosine", "0.9", "--budget", "soon",
                "-o", dir.resolve("x.onnx").toString());
        assertThat(badBudget.exitCode()).isEqualTo(2);
        CliRun badGate = CliRun.of("compress", model.toString(), "-m", "int8", "--min-cosine", "1.5",
                "-o", dir.resolve("x.onnx").toString());
        assertThat(badGate.exitCode()).isEqualTo(2);
        assertThat(badGate.err()).contains("--min-cosine: must be above 0 and at most 1, not 1.5");
    }

    @Test
    void fidelityBoundsGateEveryMethodAndAMissKeepsTheModelAndReportAndExits6() throws IOException {
        Path output = dir.resolve("gated.onnx");
        Path reportFile = dir.resolve("gated.json");
        CliRun missed = CliRun.of("compress", model.toString(), "-m", "int8", "-o", output.toString(),
                "--report", reportFile.toString(), "--samples", "2", "--latency-runs", "0", "--no-sensitivity",
                "--min-cosine", "0.9", "--min-sqnr", "200");

        assertThat(missed.exitCode()).as(missed.err()).isEqualTo(ExitCode.BELOW_GATE);
        assertThat(output).isRegularFile();
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        double sqnr = report.at("/outputs/0/sqnrDb").asDouble();
        assertThat(missed.out()).contains("BELOW THE GATES (exit 6; the model and report were written)")
                .contains(String.format(Locale.ROOT, "SQNR of Y %.1f dB < 200", sqnr))
                .containsPattern("worst mean cosine 0\\.\\d{6} >= 0\\.9");

        CliRun met = CliRun.of("compress", model.toString(), "-m", "fp16", "-o", dir.resolve("fp16.onnx").toString(),
                "--samples", "2", "--latency-runs", "0", "--no-sensitivity", "--min-cosine", "0.99", "--min-sqnr", "30");
        assertThat(met.exitCode()).as(met.err()).isZero();
        assertThat(met.out()).contains("gates met: ");
    }

    @Test
    void theSummaryStartsWithTheVerdictAndTheReportCarriesIt() throws IOException {
        Path reportFile = dir.resolve("verdict.json");
        CliRun run = CliRun.of("compress", model.toString(), "-m", "fp16", "-o", dir.resolve("v.onnx").toString(),
                "--report", reportFile.toString(), "--samples", "2", "--latency-runs", "0", "--no-sensitivity");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        assertThat(report.get("verdict").asString()).isEqualTo("lossless");
        assertThat(run.out().lines().findFirst().orElseThrow()).startsWith("verdict: LOSSLESS (Y: SQNR ")
                .endsWith("→ lossless)");
        assertThat(report.get("notes").toString()).contains("verdict lossless (bands in FidelityVerdict)");
    }

    @Test
    void ranksTensorsBySensitivityUnlessToldNotTo() {
        Path reportFile = dir.resolve("sensitivity.json");
        CliRun run = CliRun.of("compress", model.toString(), "-m", "int8", "-o", dir.resolve("s.onnx").toString(),
                "--samples", "2", "--latency-runs", "0", "--report", reportFile.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        assertThat(report.at("/sensitivity/0/name").asString()).isEqualTo("W");
        assertThat(report.at("/sensitivity/0/cosineLoss").asDouble()).isGreaterThan(0);
        assertThat(run.out()).contains("most sensitive tensors");

        Path skipped = dir.resolve("skipped.json");
        CliRun without = CliRun.of("compress", model.toString(), "-m", "int8", "-o", dir.resolve("n.onnx").toString(),
                "--no-sensitivity", "--samples", "2", "--latency-runs", "0", "--report", skipped.toString());
        assertThat(without.exitCode()).as(without.err()).isZero();
        assertThat(JsonMapper.builder().build().readTree(skipped).at("/sensitivity").size()).isZero();
        assertThat(without.out()).doesNotContain("most sensitive tensors");
    }

    @Test
    void keepsExcludedTensorsAndSaysWhy() {
        Path reportFile = dir.resolve("r.json");
        CliRun run = CliRun.of("compress", model.toString(), "-m", "int8", "-o", dir.resolve("same.onnx").toString(),
                "--exclude", "W", "--samples", "1", "--latency-runs", "0", "--report", reportFile.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(reportFile);
        assertThat(report.get("nothingToCompress").asBoolean()).isTrue();
        assertThat(report.at("/tensors/0/reason").asString()).isEqualTo("excluded by option");
        assertThat(run.out())
                .contains("tensors: 0 compressed, 1 kept")
                .contains("kept 1: excluded by option")
                .contains("nothing was compressed");
    }

    @Test
    void unknownMethodIsAUsageError() {
        Path output = dir.resolve("out.onnx");
        CliRun run = CliRun.of("compress", model.toString(), "--method", "int9", "-o", output.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(run.errorLines()).containsExactly(
                "error: --method: 'int9' is not one of [fp16, int8, int8-dynamic, int4, auto]");
        assertThat(run.err()).contains("modelpress compress --help");
        assertThat(output).doesNotExist();
    }

    @Test
    void unsupportedBlockSizeIsAUsageError() {
        CliRun run = CliRun.of("compress", model.toString(), "-m", "int4", "--block-size", "48",
                "-o", dir.resolve("out.onnx").toString());

        assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(run.errorLines()).singleElement().asString().isEqualTo("error: --block-size: must be 16, 32, 64 or 128, not 48");
    }

    @Test
    void picocliErrorsAreUsageErrors() {
        assertThat(CliRun.of("compress", model.toString(), "-m", "int8").exitCode()).as("missing -o")
                .isEqualTo(ExitCode.USAGE);
        assertThat(CliRun.of("compress", model.toString(), "-m", "int8", "-o", "x.onnx", "--frobnicate").exitCode())
                .isEqualTo(ExitCode.USAGE);
        assertThat(CliRun.of("compress", model.toString(), "-m", "int8", "-o", "x.onnx", "--samples", "many").exitCode())
                .isEqualTo(ExitCode.USAGE);
        assertThat(CliRun.of("compress", model.toString(), "-m", "int8", "-o", "x.onnx", "--samples", "0").exitCode())
                .as("rejected by EvaluationSettings").isEqualTo(ExitCode.USAGE);
        assertThat(CliRun.of("decompress").exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(CliRun.of().exitCode()).as("no command").isEqualTo(ExitCode.USAGE);
    }

    @Test
    void outputThatIsTheInputOrInAMissingFolderIsAUsageError() throws IOException {
        byte[] original = Files.readAllBytes(model);
        CliRun same = CliRun.of("compress", model.toString(), "-m", "int8", "-o", model.toString());
        CliRun missingFolder = CliRun.of("compress", model.toString(), "-m", "int8",
                "-o", dir.resolve("no/such/folder/out.onnx").toString());
        CliRun reportOverModel = CliRun.of("compress", model.toString(), "-m", "int8",
                "-o", dir.resolve("out.onnx").toString(), "--report", model.toString());

        assertThat(same.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(missingFolder.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(missingFolder.errorLines()).singleElement().asString().contains("output folder does not exist");
        assertThat(reportOverModel.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(model).hasBinaryContent(original);
    }

    @Test
    void missingInputIsABadModelWithOneLineError() {
        Path missing = dir.resolve("missing.onnx");
        CliRun run = CliRun.of("compress", missing.toString(), "-m", "int8", "-o", dir.resolve("out.onnx").toString());

        assertThat(run.exitCode()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(run.errorLines()).singleElement().asString().contains("missing.onnx");
        assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void randomBytesAreABadModel() throws IOException {
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        Path notOnnx = Files.write(dir.resolve("noise.onnx"), noise);
        Path output = dir.resolve("out.onnx");

        CliRun run = CliRun.of("compress", notOnnx.toString(), "-m", "fp16", "-o", output.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(run.errorLines()).singleElement().asString().startsWith("error: not a valid ONNX model");
        assertThat(run.err()).doesNotContain("\tat ");
        assertThat(output).doesNotExist();
    }

    @Test
    void aModelOnnxRuntimeCannotRunIsABadModel() throws IOException {
        Path unsupported = TinyModels.unknownOperator(dir.resolve("unknown-op.onnx"));
        Path output = dir.resolve("out.onnx");

        CliRun run = CliRun.of("compress", unsupported.toString(), "-m", "fp16", "-o", output.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(run.errorLines()).singleElement().asString().contains("NoSuchOperator");
        assertThat(run.err()).doesNotContain("\tat ");
        assertThat(output).doesNotExist();
    }

    @Test
    void inputsFolderWithoutTheNpyIsABadModelAndLeavesNoOutput() throws IOException {
        Path inputs = Files.createDirectories(dir.resolve("inputs/sample-0"));
        Files.writeString(inputs.resolve("README.txt"), "X.npy should be here");
        Path output = dir.resolve("out.onnx");

        CliRun run = CliRun.of("compress", model.toString(), "-m", "int8", "-o", output.toString(),
                "--inputs", dir.resolve("inputs").toString());

        assertThat(run.exitCode()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(run.errorLines()).singleElement().asString().contains("X.npy");
        assertThat(output).as("written, then not measured: removed").doesNotExist();
        assertThat(dir.resolve("out.report.json")).doesNotExist();
    }

    @Test
    void unexpectedFailureSuggestsDebugAndDebugPrintsTheStackTrace() throws IOException {
        Path folderAsReport = Files.createDirectories(dir.resolve("report-is-a-folder"));
        String[] args = {"compress", model.toString(), "-m", "int8", "-o", dir.resolve("out.onnx").toString(),
                "--samples", "1", "--latency-runs", "0", "--report", folderAsReport.toString()};

        CliRun plain = CliRun.of(args);
        List<String> withDebug = new ArrayList<>(List.of(args));
        withDebug.add("--debug");
        CliRun debug = CliRun.of(withDebug.toArray(String[]::new));

        assertThat(plain.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(plain.errorLines()).singleElement().asString().contains("report-is-a-folder");
        assertThat(plain.err()).contains("rerun with --debug").doesNotContain("\tat ");
        assertThat(debug.exitCode()).isEqualTo(ExitCode.FAILED);
        assertThat(debug.err()).contains("\tat com.modelpress.cli.CompressCommand");
    }

    @Test
    void versionIsTheEngineVersion() {
        CliRun run = CliRun.of("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip()).isEqualTo("modelpress " + ModelCompressor.VERSION);
    }

    @Test
    void helpListsTheMethodsAndExitCodes() {
        CliRun top = CliRun.of("--help");
        CliRun compress = CliRun.of("compress", "--help");

        assertThat(top.exitCode()).isZero();
        assertThat(top.out()).contains("compress").contains("Exit codes:");
        assertThat(compress.exitCode()).isZero();
        assertThat(compress.out()).contains("fp16, int8, int8-dynamic, int4").contains("--session-config").contains("Exit codes:");
    }
}
