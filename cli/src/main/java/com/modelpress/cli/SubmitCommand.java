package com.modelpress.cli;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.files.Sha256;
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

    @Mixin
    SpecOptions options;

    @Option(names = "--calibration", paramLabel = "SAMPLES.zip",
            description = "int4/auto: calibration samples uploaded with the job, a .zip, .tar, .tar.gz or .tgz of sample folders "
                    + "(<input-name>.npy per model input); never used for scoring.")
    Path calibration;

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

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!Files.isRegularFile(model)) {
            throw new ParameterException(spec.commandLine(), "no such file: " + model);
        }
        for (Path file : java.util.Arrays.asList(calibration, options.calibrationText, options.evalText, options.tokenizer)) {
            if (file != null && !Files.isRegularFile(file)) {
                throw new ParameterException(spec.commandLine(), "no such file: " + file);
            }
        }
        // the spec is checked as the server checks it, before any network call: a bad one exits 2
        options.spec(calibration);
        checkTexts();
        if (webhook == null && !webhookEvents.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--webhook-event needs --webhook");
        }
        CompressionRequest request = options.request(metadata,
                webhook == null ? null : new CompressionRequest.Webhook(webhook, webhookEvents));
        ApiClient client = server.client();
        JobView job;
        try {
            job = client.submit(model, request, idempotencyKey,
                    new ApiClient.Attachments(calibration, options.calibrationText, options.evalText, options.tokenizer));
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
                .await(job.id(), options.gates());
    }

    /** The texts must differ: fidelity is measured on text calibration did not see. */
    private void checkTexts() throws IOException {
        Path calibrationText = options.calibrationText;
        Path evalText = options.evalText;
        if (calibrationText != null && evalText != null && Sha256.of(calibrationText).equals(Sha256.of(evalText))) {
            throw new ParameterException(spec.commandLine(), ("--calibration-text %s and --eval-text %s are the same text: "
                    + "fidelity must be measured on text calibration did not see").formatted(calibrationText, evalText));
        }
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
