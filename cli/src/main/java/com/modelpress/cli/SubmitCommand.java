package com.modelpress.cli;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.DeclaredInputs;
import com.modelpress.files.Sha256;
import com.modelpress.contracts.SizeTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code modelpress submit}: uploads a model with a compression request; with {@code --wait}, follows the job. */
@Command(name = "submit",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        sortOptions = false,
        description = {"Submit a model to a ModelPress server and print the job id.",
                "With --wait, follow the job to its end; the exit code then says how it ended."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_REJECTED,
                ExitCode.HELP_JOB_FAILED, ExitCode.HELP_JOB_CANCELLED, ExitCode.HELP_BELOW_GATE, ExitCode.HELP_SERVER_ERROR,
                ExitCode.HELP_UNAUTHORIZED})
final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOption server;

    @Mixin
    PollOption poll;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx file, or a .zip/.tar/.tar.gz/.tgz holding a model with its external data.")
    Path model;

    @Option(names = {"-m", "--method"}, required = true, paramLabel = "METHOD",
            completionCandidates = CompressCommand.MethodIds.class, description = "One of: ${COMPLETION-CANDIDATES}.")
    String method;

    @Option(names = "--block-size", paramLabel = "N", description = "int4 block length: 16, 32, 64 or 128.")
    Integer blockSize;

    @Option(names = "--symmetric", description = "int4 without zero points.")
    boolean symmetric;

    @Option(names = "--samples", paramLabel = "N",
            description = "Evaluation samples, or with --eval-text the windows (decoder LMs) or lines (encoders) taken "
                    + "from it (server default when absent: 8 samples, 24 windows).")
    Integer samples;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for synthesised samples.")
    Long seed;

    @Option(names = "--min-cosine", paramLabel = "X",
            description = "Fidelity target sent with the job, and with --wait the gate: exit 6 when the worst output's "
                    + "mean cosine is below X.")
    Double minCosine;

    @Option(names = "--max-kl", paramLabel = "K",
            description = "Target sent with the job (auto: decoder LMs' mean next-token KL of prefill and decode steps, "
                    + "else every logits output's KL), and with --wait the gate: exit 6 when it is above K.")
    Double maxKl;

    @Option(names = "--max-ppl-increase", paramLabel = "X",
            description = "Decoder LMs with --eval-text: target sent with the job (auto: the perplexity on the text may "
                    + "grow by at most this fraction, 0.01 = 1 %%), and with --wait the gate: exit 6 when it grew more.")
    Double maxPplIncrease;

    @Option(names = "--target-output", paramLabel = "WHAT",
            description = "auto: what --min-cosine is measured on — tokens (default), pooled-mean or cls (a text "
                    + "encoder's mean-pooled or first-token sentence embeddings); sent as target.targetOutput.")
    String targetOutput;
    @Option(names = "--target-size", paramLabel = "SIZE",
            description = "auto: the most the compressed model may take (file plus external data): 2500000, 2.5MB, "
                    + "750MiB or 0.25x of the original; sent as target.size.")
    String targetSize;

    @Option(names = "--target-bpw", paramLabel = "BITS",
            description = "auto: the most bits per weight over all weights (at least 2); sent as target.bitsPerWeight.")
    Double targetBpw;

    @Option(names = "--eval-text", paramLabel = "FILE",
            description = "Evaluate on this UTF-8 text, tokenized with --tokenizer: decoder LMs read it as windows of "
                    + "--context tokens (perplexity, KL of next-token distributions, decode steps), encoders one sample "
                    + "per line. Uploaded with the job; use other text than you calibrate on.")
    Path evalText;

    @Option(names = "--calibration-text", paramLabel = "FILE",
            description = "int4/auto: calibrate on this UTF-8 text, tokenized with --tokenizer (decoder LMs: windows of "
                    + "--context tokens; encoders: one sample per line). Uploaded with the job.")
    Path calibrationText;

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
            description = "The model's Hugging Face tokenizer.json, for --eval-text and --calibration-text; uploaded with "
                    + "the job.")
    Path tokenizer;

    @Option(names = "--context", paramLabel = "N",
            description = "Tokens per window of --eval-text/--calibration-text for decoder LMs, the most tokens per "
                    + "line for encoders (server default: 128).")
    Integer context;

    @Option(names = "--decode-steps", paramLabel = "N",
            description = "Decoder LMs with a KV cache: decode steps after each prefill window; 0 scores the prefill "
                    + "only (server default: 32).")
    Integer decodeSteps;

    @Option(names = "--shape", paramLabel = "NAME=AxB",
            description = "Synthesised samples (evaluation and calibration): the shape of input NAME, e.g. input=2x512 "
                    + "(NAME=scalar for rank 0); repeatable.")
    List<String> shapes = new java.util.ArrayList<>();

    @Option(names = "--dim", paramLabel = "SYMBOL=N",
            description = "Synthesised samples: the size of the symbolic dimension SYMBOL in every input, e.g. batch=2; "
                    + "repeatable.")
    List<String> dims = new java.util.ArrayList<>();

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "Synthesised samples: every element of input NAME is VALUE, e.g. sr=16000 for a scalar rate; "
                    + "repeatable.")
    List<String> values = new java.util.ArrayList<>();

    @Option(names = "--head", paramLabel = "MODE",
            description = "int4: precision of an LM head: measured (default), int4, int8 or kept.")
    String head;

    @Option(names = "--calibration", paramLabel = "SAMPLES.zip",
            description = "int4/auto: calibration samples uploaded with the job, a .zip, .tar, .tar.gz or .tgz of sample folders "
                    + "(<input-name>.npy per model input); never used for scoring.")
    Path calibration;

    @Option(names = "--rounding", paramLabel = "MODE", description = "int4/auto: gptq (default), aware, search or rtn.")
    String rounding;

    @Option(names = "--no-sensitivity",
            description = "Skip the per-tensor sensitivity ranking in the report (one scoring run per tensor).")
    boolean noSensitivity;

    @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "Stored with the job; repeatable.")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Option(names = "--idempotency-key", paramLabel = "K",
            description = "Resubmitting with the same key and request returns the same job instead of a new one.")
    String idempotencyKey;

    @Option(names = "--webhook", paramLabel = "URL",
            description = "POST the job's outcome to this URL, signed with the owner's webhook signing secret "
                    + "(create it once with POST /api/v1/webhooks/signing-secret).")
    String webhook;

    @Option(names = "--webhook-event", paramLabel = "TYPE",
            description = "What --webhook receives: job.succeeded, job.failed, job.cancelled, job.progress; repeatable "
                    + "(default: the first three).")
    List<String> webhookEvents = new java.util.ArrayList<>();

    @Option(names = "--wait", description = "Follow the job until it ends, with a progress bar on a terminal.")
    boolean await;

    /** A size target is read before any network call: a bad one is a usage error (exit 2), as in {@code compress}. */
    private void checkSize() {
        if ((targetSize != null || targetBpw != null) && !"auto".equalsIgnoreCase(method)) {
            throw new ParameterException(spec.commandLine(), "--target-size and --target-bpw are targets of --method auto");
        }
        try {
            if (targetSize != null) {
                SizeTarget.parse(targetSize);
            }
            if (targetBpw != null) {
                new com.modelpress.engine.CompressionMethod.Size(null, targetBpw);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e, null, targetSize);
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!Files.isRegularFile(model)) {
            throw new ParameterException(spec.commandLine(), "no such file: " + model);
        }
        for (Path file : java.util.Arrays.asList(calibration, calibrationText, evalText, tokenizer)) {
            if (file != null && !Files.isRegularFile(file)) {
                throw new ParameterException(spec.commandLine(), "no such file: " + file);
            }
        }
        FidelityGates gates = new FidelityGates(minCosine, maxKl, maxPplIncrease, null, targetOutput);
        gates.check(spec.commandLine());
        checkTexts();
        if (webhook == null && !webhookEvents.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--webhook-event needs --webhook");
        }
        checkSize();
        boolean target = minCosine != null || maxKl != null || maxPplIncrease != null || targetSize != null
                || targetBpw != null || targetOutput != null;
        DeclaredInputs declared;
        try {
            declared = DeclaredInputs.parse(shapes, dims, values);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        List<DeclaredInputs.Problem> problems = declared.problems(samples == null
                ? CompressionRequest.EvaluationSpec.DEFAULT_SAMPLES : samples);
        if (!problems.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join("; ",
                    problems.stream().map(DeclaredInputs.Problem::toString).toList()));
        }
        boolean evaluation = samples != null || seed != null || noSensitivity || context != null || decodeSteps != null
                || !declared.isEmpty();
        CompressionRequest request = new CompressionRequest(method,
                new CompressionOptions(blockSize, symmetric ? Boolean.TRUE : null, List.of(), null, rounding, head),
                target ? new CompressionRequest.Target(minCosine, null, maxKl, maxPplIncrease, targetSize, targetBpw, targetOutput) : null,
                evaluation ? new CompressionRequest.EvaluationSpec(samples, seed, noSensitivity ? Boolean.FALSE : null,
                        context, decodeSteps, declared.shapes(), declared.dims(), declared.values()) : null,
                metadata, webhook == null ? null : new CompressionRequest.Webhook(webhook, webhookEvents));
        ApiClient client = server.client();
        JobView job;
        try {
            job = client.submit(model, request, idempotencyKey,
                    new ApiClient.Attachments(calibration, calibrationText, evalText, tokenizer));
        } catch (ApiProblemException e) {
            if (e.isClientError() && !e.isAuthenticationFailure() && !e.isLimited()) {
                throw new ModelRejectedException(e);
            }
            throw e;
        }
        spec.commandLine().getOut().println(job.id());
        spec.commandLine().getOut().flush();
        spec.commandLine().getErr().println("submitted job %s (%s) to %s".formatted(job.id(), job.method(), client.server()));
        spec.commandLine().getErr().flush();
        if (!await) {
            return ExitCode.OK;
        }
        return new JobWaiter(client, spec.commandLine().getOut(), spec.commandLine().getErr(), poll.interval())
                .await(job.id(), gates);
    }

    /**
     * The language-model options as the server's rules have them, checked here so that a bad value exits 2 before any
     * network call.
     */
    private void checkTexts() throws IOException {
        boolean text = calibrationText != null || evalText != null;
        if (text && tokenizer == null) {
            throw new ParameterException(spec.commandLine(), (calibrationText != null ? "--calibration-text" : "--eval-text")
                    + " needs --tokenizer tokenizer.json (the model's own Hugging Face tokenizer)");
        }
        if (!text && tokenizer != null) {
            throw new ParameterException(spec.commandLine(), "--tokenizer is only used with --calibration-text or --eval-text");
        }
        if (calibrationText != null && calibration != null) {
            throw new ParameterException(spec.commandLine(), "--calibration and --calibration-text exclude each other");
        }
        if (calibrationText != null && evalText != null && Sha256.of(calibrationText).equals(Sha256.of(evalText))) {
            throw new ParameterException(spec.commandLine(), ("--calibration-text %s and --eval-text %s are the same text: "
                    + "fidelity must be measured on text calibration did not see").formatted(calibrationText, evalText));
        }
        if (maxPplIncrease != null && evalText == null) {
            throw new ParameterException(spec.commandLine(), "--max-ppl-increase needs --eval-text: perplexity is measured on text");
        }
        if (context != null && !text) {
            throw new ParameterException(spec.commandLine(), "--context sets the windows of --eval-text/--calibration-text");
        }
        if (context != null && (context < 2 || context > MAX_CONTEXT)) {
            throw new ParameterException(spec.commandLine(), "--context must be 2 to %d tokens, not %d".formatted(MAX_CONTEXT,
                    context));
        }
        if (decodeSteps != null && (decodeSteps < 0 || decodeSteps > MAX_DECODE_STEPS)) {
            throw new ParameterException(spec.commandLine(), "--decode-steps must be 0 to %d, not %d".formatted(
                    MAX_DECODE_STEPS, decodeSteps));
        }
        if (head != null && !CompressionOptions.HEADS.contains(head)) {
            throw new ParameterException(spec.commandLine(), "--head must be measured, int4, int8 or kept, not '%s'"
                    .formatted(head));
        }
    }

    /** The server's bounds (api-service CompressionRequestRules). */
    private static final int MAX_CONTEXT = 8192;
    private static final int MAX_DECODE_STEPS = 1024;

    /** {@code --poll-interval}, shared by the commands that follow a job. */
    static final class PollOption {
        @Option(names = "--poll-interval", paramLabel = "MILLIS", hidden = true,
                description = "How often to ask the server about the job (default: ${DEFAULT-VALUE} ms).")
        long millis = 1000;

        Duration interval() {
            return Duration.ofMillis(Math.max(1, millis));
        }
    }
}
