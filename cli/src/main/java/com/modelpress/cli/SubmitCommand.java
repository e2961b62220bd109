package com.modelpress.cli;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
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

    @Option(names = "--samples", paramLabel = "N", description = "Evaluation samples (server default when absent).")
    Integer samples;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for synthesised samples.")
    Long seed;

    @Option(names = "--min-cosine", paramLabel = "X",
            description = "Fidelity target sent with the job, and with --wait the gate: exit 6 when the worst output's "
                    + "mean cosine is below X.")
    Double minCosine;

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

    @Option(names = "--wait", description = "Follow the job until it ends, with a progress bar on a terminal.")
    boolean await;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!Files.isRegularFile(model)) {
            throw new ParameterException(spec.commandLine(), "no such file: " + model);
        }
        if (calibration != null && !Files.isRegularFile(calibration)) {
            throw new ParameterException(spec.commandLine(), "no such file: " + calibration);
        }
        if (minCosine != null && !(minCosine >= -1 && minCosine <= 1)) {
            throw new ParameterException(spec.commandLine(), "--min-cosine must lie in [-1, 1], not " + minCosine);
        }
        CompressionRequest request = new CompressionRequest(method,
                new CompressionOptions(blockSize, symmetric ? Boolean.TRUE : null, List.of(), null, rounding),
                minCosine == null ? null : new CompressionRequest.Target(minCosine),
                samples == null && seed == null && !noSensitivity ? null
                        : new CompressionRequest.EvaluationSpec(samples, seed, noSensitivity ? Boolean.FALSE : null),
                metadata);
        ApiClient client = server.client();
        JobView job;
        try {
            job = client.submit(model, request, idempotencyKey, calibration);
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
                .await(job.id(), minCosine);
    }

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
