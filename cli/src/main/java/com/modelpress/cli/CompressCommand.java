package com.modelpress.cli;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.graph.ScratchSpace;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.tokenizer.TokenizedSamples;
import com.modelpress.tokenizer.WordPieceTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code modelpress compress}: the engine on one file, no server. Writes the compressed model and its
 * fidelity report, and prints a summary of the report.
 */
@Command(name = "compress",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        sortOptions = false,
        description = {
                "Compress an ONNX model, run the original and the compressed model on the same inputs with ONNX "
                        + "Runtime, and report how close they stay.",
                "For -o NAME.onnx the JSON report goes to NAME.report.json next to it, unless --report or "
                        + "--no-report says otherwise."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_BAD_MODEL})
final class CompressCommand implements Callable<Integer> {

    private static final EvaluationSettings DEFAULTS = EvaluationSettings.defaults();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT.onnx",
            description = "The model to compress; external data files must sit in its folder.")
    Path input;

    @Option(names = {"-m", "--method"}, required = true, paramLabel = "METHOD", completionCandidates = MethodIds.class,
            description = "One of: ${COMPLETION-CANDIDATES}.")
    String method;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTPUT.onnx",
            description = "Where to write the compressed model; large weights go to OUTPUT.onnx.data next to it.")
    Path output;

    @Option(names = "--report", paramLabel = "REPORT.json",
            description = "Where to write the fidelity report (default: next to the output, OUTPUT.report.json).")
    Path report;

    @Option(names = "--no-report", description = "Do not write the report file; the summary is still printed.")
    boolean noReport;

    @Option(names = "--block-size", paramLabel = "N",
            description = "int4 block length along the reduction axis: 16, 32, 64 or 128 (default "
                    + CompressionOptions.DEFAULT_BLOCK_SIZE + ").")
    Integer blockSize;

    @Option(names = "--symmetric", description = "int4 without zero points (default: asymmetric).")
    boolean symmetric;

    @Option(names = "--exclude", paramLabel = "NAME", split = ",",
            description = "Node or tensor names to leave untouched; repeat the option or separate names with commas.")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--min-elements", paramLabel = "N",
            description = "Leave tensors with fewer elements as they are (default "
                    + CompressionOptions.DEFAULT_MIN_ELEMENTS + ").")
    Long minElements;

    @Option(names = "--inputs", paramLabel = "DIR",
            description = "Evaluate on these samples instead of synthesised ones: one sub-folder per sample "
                    + "holding <input-name>.npy for every model input.")
    Path inputsDir;

    @Option(names = "--samples", paramLabel = "N",
            description = "Synthesised samples to evaluate on (default: ${DEFAULT-VALUE}; ignored with --inputs).")
    int samples = DEFAULTS.samples();

    @Option(names = "--seed", paramLabel = "S", description = "Seed for synthesised samples (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed();

    @Option(names = "--latency-runs", paramLabel = "N",
            description = "Timed runs per model for latency; 0 skips latency (default: ${DEFAULT-VALUE}).")
    int latencyRuns = DEFAULTS.latencyRuns();

    @Option(names = "--rounding", paramLabel = "MODE",
            description = "int4/auto: how 4-bit codes are chosen — gptq (default: error-compensating, calibrated), "
                    + "aware (block search weighted by calibration activations), search (block search), "
                    + "rtn (plain round to nearest, the baseline).")
    String rounding;

    @Option(names = "--min-cosine", paramLabel = "X",
            description = "auto: the target — worst output's mean cosine on the evaluation samples, e.g. 0.995.")
    Double minCosine;

    @Option(names = "--min-sqnr", paramLabel = "DB",
            description = "auto: every output's SQNR must reach this many dB.")
    Double minSqnr;

    @Option(names = "--max-kl", paramLabel = "K",
            description = "auto: the KL divergence of every logits/probabilities output must stay at or below this.")
    Double maxKl;

    @Option(names = "--budget", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "auto: how long the search may take, e.g. 90s, 10m, 1h (default: 10m).")
    java.time.Duration budget = java.time.Duration.ofMinutes(10);

    @Option(names = "--calibration", paramLabel = "DIR",
            description = "int4: calibrate error-compensating rounding (GPTQ) on these samples (same layout as "
                    + "--inputs; use other samples than you evaluate on). Default: synthesised samples.")
    Path calibrationDir;

    @Option(names = "--calibration-text", paramLabel = "FILE",
            description = "int4: calibrate on these lines of text (one sample per non-empty line), tokenized with "
                    + "--tokenizer. Use other text than you evaluate on.")
    Path calibrationText;

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
            description = "The model's Hugging Face tokenizer.json (BERT WordPiece), for --calibration-text.")
    Path tokenizerJson;

    @Option(names = "--calibration-samples", paramLabel = "N",
            description = "int4: synthesised calibration samples when no --calibration folder is given; 0 turns "
                    + "calibration off (default: ${DEFAULT-VALUE}).")
    int calibrationSamples = CalibrationSettings.DEFAULT_SAMPLES;

    @Option(names = "--calibration-memory", paramLabel = "SIZE", converter = ByteSizeConverter.class,
            description = "int4 with GPTQ: memory for the calibration statistics held at once (8·K² bytes per MatMul "
                    + "input of K features), e.g. 512m or 2g; inputs are calibrated and their weights quantized in "
                    + "groups that fit. Default: a quarter of the JVM's maximum heap.")
    Long calibrationMemory;

    @Option(names = "--sensitivity", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Rank the compressed tensors by measured sensitivity (each compressed alone and scored; "
                    + "one scoring run per tensor) into the report; --no-sensitivity skips it (default: on).")
    boolean sensitivity = true;

    @Option(names = "--session-config", paramLabel = "KEY=VALUE",
            description = "ONNX Runtime session config entry for both models, e.g. "
                    + "session.intra_op.allow_spinning=0; repeatable.")
    Map<String, String> sessionConfig = new LinkedHashMap<>();

    @Override
    public Integer call() throws IOException {
        CompressionMethod compression = method();
        EvaluationSettings evaluation = evaluation();
        Path reportFile = reportFile();
        checkOutput();
        checkReport(reportFile);

        List<Path> created = new ArrayList<>();
        for (Path file : List.of(output, dataFileOf(output))) {
            if (!Files.exists(file)) {
                created.add(file);
            }
        }
        FidelityReport result;
        try (ProgressLine progress = ProgressLine.on(spec.commandLine().getErr())) {
            CalibrationSettings calibration = calibration(evaluation);
            ModelCompressor compressor = new ModelCompressor(evaluation,
                    calibrationMemory == null ? calibration : calibration.withMemory(calibrationMemory));
            result = (sensitivity ? compressor.measuringSensitivity() : compressor).compress(input, output, compression, progress);
        } catch (IOException | RuntimeException e) {
            // a model that was written but not measured must not look like a finished result
            for (Path file : created) {
                Files.deleteIfExists(file);
            }
            throw e;
        }
        if (reportFile != null) {
            writeReport(result, reportFile);
        }
        spec.commandLine().getOut().print(new ReportSummary(input, output, reportFile).render(result));
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }

    private CompressionMethod method() {
        CompressionOptions options = new CompressionOptions(blockSize, symmetric ? Boolean.TRUE : null, exclude, minElements,
                rounding);
        try {
            if ("auto".equalsIgnoreCase(method)) {
                if (minCosine == null && minSqnr == null && maxKl == null) {
                    throw new ParameterException(spec.commandLine(),
                            "--method auto needs a target: --min-cosine X, --min-sqnr DB and/or --max-kl K");
                }
                return CompressionMethod.auto(options, new CompressionMethod.Goal(minCosine, minSqnr, maxKl), budget);
            }
            if (minCosine != null || minSqnr != null || maxKl != null) {
                throw new ParameterException(spec.commandLine(), "--min-cosine, --min-sqnr and --max-kl are targets of --method auto");
            }
            return CompressionMethod.of(method, options);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e, null, method);
        }
    }

    private CalibrationSettings calibration(EvaluationSettings evaluation) {
        if (calibrationDir != null && inputsDir != null && calibrationDir.toAbsolutePath().normalize()
                .equals(inputsDir.toAbsolutePath().normalize())) {
            throw new ParameterException(spec.commandLine(),
                    "--calibration and --inputs name the same folder; fidelity must be scored on samples calibration did not see");
        }
        if (calibrationText != null) {
            return new CalibrationSettings(0, 0, tokenizedCalibration());
        }
        if (tokenizerJson != null) {
            throw new ParameterException(spec.commandLine(), "--tokenizer is only used with --calibration-text");
        }
        try {
            return calibrationDir != null ? new CalibrationSettings(0, 0, calibrationDir)
                    : new CalibrationSettings(calibrationSamples, CalibrationSettings.synthesised(evaluation.seed()).seed(), null);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Tokenizes {@code --calibration-text} into a temporary sample folder, deleted when the JVM exits. */
    private Path tokenizedCalibration() {
        if (calibrationDir != null) {
            throw new ParameterException(spec.commandLine(), "--calibration and --calibration-text exclude each other");
        }
        if (tokenizerJson == null) {
            throw new ParameterException(spec.commandLine(), "--calibration-text needs --tokenizer tokenizer.json");
        }
        List<String> lines;
        WordPieceTokenizer tokenizer;
        try {
            lines = Files.readAllLines(calibrationText).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
            tokenizer = WordPieceTokenizer.read(tokenizerJson, WordPieceTokenizer.DEFAULT_MAX_LENGTH);
        } catch (IOException | RuntimeException e) {
            throw new ParameterException(spec.commandLine(), "cannot read --calibration-text or --tokenizer: " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--calibration-text " + calibrationText + " has no text");
        }
        try {
            Path folder = Files.createTempDirectory("modelpress-calibration-text-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(folder)));
            return TokenizedSamples.write(tokenizer, lines, folder);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path folder) {
        try {
            ScratchSpace.deleteTree(folder);
        } catch (IOException ignored) {
            // best effort at exit: the folder is under the system temp directory
        }
    }

    private EvaluationSettings evaluation() {
        try {
            return new EvaluationSettings(samples, seed, inputsDir, latencyRuns, sessionConfig);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** The report's path, or {@code null} with {@code --no-report}. */
    private Path reportFile() {
        if (noReport && report != null) {
            throw new ParameterException(spec.commandLine(), "--report and --no-report exclude each other");
        }
        if (noReport) {
            return null;
        }
        if (report != null) {
            return report;
        }
        String name = output.getFileName().toString();
        String stem = name.endsWith(".onnx") ? name.substring(0, name.length() - ".onnx".length()) : name;
        return output.resolveSibling(stem + ".report.json");
    }

    private void checkOutput() throws IOException {
        Path folder = output.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            throw new ParameterException(spec.commandLine(), "output folder does not exist: " + folder);
        }
        if (Files.exists(output) && Files.exists(input) && Files.isSameFile(input, output)) {
            throw new ParameterException(spec.commandLine(), "the output " + output + " is the input; write the compressed model elsewhere");
        }
    }

    private void checkReport(Path reportFile) {
        if (reportFile == null) {
            return;
        }
        Path target = reportFile.toAbsolutePath().normalize();
        for (Path model : List.of(input, output, dataFileOf(output))) {
            if (target.equals(model.toAbsolutePath().normalize())) {
                throw new ParameterException(spec.commandLine(), "the report " + reportFile + " would overwrite " + model);
            }
        }
    }

    private static void writeReport(FidelityReport result, Path reportFile) throws IOException {
        JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        // serialised to a string first so that a failing write surfaces as the IOException it is
        Files.writeString(reportFile, json.writeValueAsString(result) + System.lineSeparator());
    }

    /** The external data file the engine writes next to a large output model. */
    private static Path dataFileOf(Path model) {
        return model.resolveSibling(model.getFileName() + ".data");
    }

    /** Lets picocli list the method ids in help and shell completion. */
    static final class MethodIds implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return CompressionMethod.IDS.iterator();
        }
    }
}
