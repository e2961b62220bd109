package com.modelpress.cli;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.CompressionSpec;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.evaluation.TokenizedText;
import com.modelpress.report.HtmlReport;
import com.modelpress.report.ReportSubject;
import com.modelpress.tokenizer.TextTokenizer;
import com.modelpress.tokenizer.UnsupportedTokenizerException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_BAD_MODEL,
                ExitCode.HELP_COMPRESS_BELOW_GATE})
final class CompressCommand implements Callable<Integer> {

    private static final EvaluationSettings DEFAULTS = EvaluationSettings.defaults();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT.onnx",
            description = "The model to compress; external data files must sit in its folder.")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTPUT.onnx",
            description = "Where to write the compressed model; large weights go to OUTPUT.onnx.data next to it.")
    Path output;

    @Option(names = "--report", paramLabel = "REPORT.json",
            description = "Where to write the fidelity report (default: next to the output, OUTPUT.report.json).")
    Path report;

    @Option(names = "--no-report", description = "Do not write the report file; the summary is still printed.")
    boolean noReport;

    @Option(names = "--html", paramLabel = "REPORT.html",
            description = "Also write the report as one self-contained HTML page: headline numbers, charts of the "
                    + "distributions, inputs and versions; no script, works offline.")
    Path html;

    @Mixin
    SpecOptions options;

    @Option(names = "--inputs", paramLabel = "DIR",
            description = "Evaluate on these samples instead of synthesised ones: one sub-folder per sample "
                    + "holding <input-name>.npy for every model input.")
    Path inputsDir;

    @Option(names = "--latency-runs", paramLabel = "N",
            description = "Timed runs per model for latency; 0 skips latency (default: ${DEFAULT-VALUE}).")
    int latencyRuns = DEFAULTS.latencyRuns();

    @Option(names = "--max-evaluations", paramLabel = "N",
            description = "auto: the search's budget in model evaluations (default: ${DEFAULT-VALUE}); the same "
                    + "inputs give the same model on any machine.")
    int maxEvaluations = CompressionMethod.Auto.DEFAULT_MAX_EVALUATIONS;

    @Option(names = "--budget", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "auto: a wall-clock limit, e.g. 90s, 10m, 1h, that may stop the search before its "
                    + "evaluations are used up (the report then says so; default: none).")
    java.time.Duration budget;

    @Option(names = "--calibration", paramLabel = "DIR",
            description = "int4: calibrate error-compensating rounding (GPTQ) on these samples (same layout as "
                    + "--inputs; use other samples than you evaluate on). Default: synthesised samples.")
    Path calibrationDir;

    @Option(names = "--calibration-samples", paramLabel = "N",
            description = "int4: synthesised calibration samples when no --calibration folder is given, 0 turns "
                    + "calibration off (default: " + CalibrationSettings.DEFAULT_SAMPLES + "); with "
                    + "--calibration-text the most windows (decoder LMs, default " + CalibrationSettings.DEFAULT_SAMPLES
                    + ") or lines (encoders, default all) to use.")
    Integer calibrationSamples;

    @Option(names = "--calibration-memory", paramLabel = "SIZE", converter = ByteSizeConverter.class,
            description = "int4 with GPTQ: memory for the calibration statistics held at once (8·K² bytes per MatMul "
                    + "input of K features), e.g. 512m or 2g; inputs are calibrated and their weights quantized in "
                    + "groups that fit. Default: a quarter of the JVM's maximum heap.")
    Long calibrationMemory;

    @Option(names = "--session-config", paramLabel = "KEY=VALUE",
            description = "ONNX Runtime session config entry for both models, e.g. "
                    + "session.intra_op.allow_spinning=0; repeatable.")
    Map<String, String> sessionConfig = new LinkedHashMap<>();

    @Override
    public Integer call() throws IOException {
        CompressionSpec request = options.spec(calibrationDir);
        CompressionMethod compression = method(request);
        ModelCompressor.Head lmHead = ModelCompressor.Head.valueOf(request.scope().head().toUpperCase(Locale.ROOT));
        Texts texts = texts();
        EvaluationSettings evaluation = evaluation(request.evaluation(), texts.evaluation());
        Path reportFile = reportFile();
        checkOutput();
        checkReport(reportFile);
        checkHtml(reportFile);

        List<Path> created = new ArrayList<>();
        for (Path file : List.of(output, dataFileOf(output))) {
            if (!Files.exists(file)) {
                created.add(file);
            }
        }
        FidelityReport result;
        try (ProgressLine progress = ProgressLine.on(spec.commandLine().getErr())) {
            CalibrationSettings calibration = calibration(evaluation, texts.calibration());
            ModelCompressor compressor = new ModelCompressor(evaluation,
                    calibrationMemory == null ? calibration : calibration.withMemory(calibrationMemory))
                    .withHead(lmHead);
            result = (request.evaluation().sensitivityOrDefault() ? compressor.measuringSensitivity() : compressor)
                    .compress(input, output, compression, progress);
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
        if (html != null) {
            Files.writeString(html, HtmlReport.render(result, subject()));
        }
        spec.commandLine().getOut().print(new ReportSummary(input, output, reportFile).render(result));
        if (html != null) {
            spec.commandLine().getOut().println("html report: " + html);
        }
        return gate(result);
    }

    /** The fidelity bounds as gates: a miss is said and exits {@link ExitCode#BELOW_GATE}, the files stay. */
    private int gate(FidelityReport result) {
        FidelityGates gates = options.gates();
        if (!gates.any()) {
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
        FidelityGates.Verdict verdict = gates.judge(result);
        spec.commandLine().getOut().println((verdict.met() ? "gates met: " : "BELOW THE GATES (exit 6; the model and "
                + "report were written): ") + String.join(", ", verdict.measured()));
        spec.commandLine().getOut().flush();
        return verdict.met() ? ExitCode.OK : ExitCode.BELOW_GATE;
    }

    /** The engine's method for a checked spec; the search budget is this command's own. */
    private CompressionMethod method(CompressionSpec request) {
        try {
            return CompressionMethod.of(request, maxEvaluations, budget);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** The texts tokenized with the model's tokenizer; each null when not given. */
    private record Texts(TokenizedText calibration, TokenizedText evaluation) {}

    /**
     * Tokenizes {@code --calibration-text} and {@code --eval-text} with {@code --tokenizer}.
     *
     * @throws ParameterException    for a missing or misplaced option, or the same text given for both
     * @throws InvalidModelException when a file cannot be read or the tokenizer cannot be used
     */
    private Texts texts() {
        Path evalText = options.evalText;
        Path calibrationText = options.calibrationText;
        if (evalText != null && inputsDir != null) {
            throw new ParameterException(spec.commandLine(), "--inputs and --eval-text exclude each other");
        }
        if (calibrationText == null && evalText == null) {
            return new Texts(null, null);
        }
        try (TextTokenizer tokenizer = TextTokenizer.read(options.tokenizer, context())) {
            TokenizedText calibration = calibrationText == null ? null : tokenize(tokenizer, "--calibration-text", calibrationText);
            TokenizedText evaluation = evalText == null ? null : tokenize(tokenizer, "--eval-text", evalText);
            if (calibration != null && evaluation != null && calibration.sha256().equals(evaluation.sha256())) {
                throw new ParameterException(spec.commandLine(), ("--calibration-text %s and --eval-text %s are the same "
                        + "text (sha256 %s): fidelity must be measured on text calibration did not see")
                        .formatted(calibrationText, evalText, evaluation.sha256()));
            }
            return new Texts(calibration, evaluation);
        } catch (UnsupportedTokenizerException e) {
            throw new InvalidModelException(e.getMessage(), e);
        }
    }

    private static TokenizedText tokenize(TextTokenizer tokenizer, String option, Path file) {
        try {
            return tokenizer.tokenize(file);
        } catch (IOException | IllegalArgumentException e) {
            String reason = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new InvalidModelException("cannot read %s %s: %s".formatted(option, file, reason), e);
        }
    }

    private CalibrationSettings calibration(EvaluationSettings evaluation, TokenizedText text) {
        if (calibrationDir != null && inputsDir != null && calibrationDir.toAbsolutePath().normalize()
                .equals(inputsDir.toAbsolutePath().normalize())) {
            throw new ParameterException(spec.commandLine(),
                    "--calibration and --inputs name the same folder; fidelity must be scored on samples calibration did not see");
        }
        try {
            if (text != null) {
                return CalibrationSettings.onText(text, calibrationSamples == null ? 0 : calibrationSamples, context());
            }
            int synthesised = calibrationSamples == null ? CalibrationSettings.DEFAULT_SAMPLES : calibrationSamples;
            return calibrationDir != null ? new CalibrationSettings(0, 0, calibrationDir)
                    : new CalibrationSettings(synthesised, CalibrationSettings.synthesised(evaluation.seed()).seed(), null);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private EvaluationSettings evaluation(CompressionRequest.EvaluationSpec given, TokenizedText text) {
        Integer samples = given.samples();
        try {
            EvaluationSettings settings = new EvaluationSettings(samples == null ? DEFAULTS.samples() : samples,
                    given.seedOrDefault(), inputsDir, latencyRuns, sessionConfig).withDecodeSteps(
                    given.decodeSteps() == null ? EvaluationSettings.DEFAULT_DECODE_STEPS : given.decodeSteps());
            settings = text == null ? settings
                    : settings.onText(text, samples == null ? EvaluationSettings.DEFAULT_TEXT_WINDOWS : samples, context());
            return given.declaredInputs().isEmpty() ? settings : settings.withInputs(given.declaredInputs());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Tokens per window of the texts. */
    private int context() {
        return options.context == null ? EvaluationSettings.DEFAULT_CONTEXT : options.context;
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

    /** The HTML page must not replace a file this command reads or writes, and its folder must exist. */
    private void checkHtml(Path reportFile) {
        if (html == null) {
            return;
        }
        Path target = html.toAbsolutePath().normalize();
        if (!Files.isDirectory(target.getParent())) {
            throw new ParameterException(spec.commandLine(), "--html folder does not exist: " + target.getParent());
        }
        List<Path> taken = new ArrayList<>(List.of(input, output, dataFileOf(output)));
        if (reportFile != null) {
            taken.add(reportFile);
        }
        for (Path file : taken) {
            if (target.equals(file.toAbsolutePath().normalize())) {
                throw new ParameterException(spec.commandLine(), "the HTML report " + html + " would overwrite " + file);
            }
        }
    }

    /** What the page is about: the input, the output and the command that reproduces it. */
    private ReportSubject subject() {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("input file", input.toString());
        facts.put("output file", output.toString());
        // the arguments as given to modelpress, "compress" included
        facts.put("command", "modelpress " + String.join(" ", spec.commandLine().getParseResult().originalArgs()
                .stream().map(CompressCommand::shellWord).toList()));
        return new ReportSubject(input.getFileName().toString(), facts);
    }

    /** An argument as a POSIX shell reads it back: quoted when it holds anything but plain characters. */
    static String shellWord(String argument) {
        return argument.matches("[A-Za-z0-9_./:=,+@%-]+") ? argument : "'" + argument.replace("'", "'\\''") + "'";
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
}
