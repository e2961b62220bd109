package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code modelpress wait}: follows a submitted job to its end. */
@Command(name = "wait",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = "Follow a job until it ends; the exit code says how it ended.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_JOB_FAILED,
                ExitCode.HELP_JOB_CANCELLED, ExitCode.HELP_BELOW_GATE, ExitCode.HELP_SERVER_ERROR,
                ExitCode.HELP_UNAUTHORIZED})
final class WaitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOption server;

    @Mixin
    SubmitCommand.PollOption poll;

    @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
    String id;

    @Option(names = "--min-cosine", paramLabel = "X",
            description = "Exit 6 when the job succeeded but its worst output's mean cosine is below X.")
    Double minCosine;

    @Option(names = "--max-kl", paramLabel = "K",
            description = "Exit 6 when the job succeeded but a mean KL divergence is above K: of the next-token "
                    + "distributions of each phase (prefill, decode steps) for a decoder LM, else of every logits output.")
    Double maxKl;

    @Option(names = "--max-ppl-increase", paramLabel = "X",
            description = "Exit 6 when the job succeeded but its perplexity on the evaluation text grew by more than "
                    + "this fraction (0.01 = 1 %%), or was not measured.")
    Double maxPplIncrease;

    @Override
    public Integer call() throws InterruptedException {
        FidelityGates gates = new FidelityGates(minCosine, maxKl, maxPplIncrease);
        gates.check(spec.commandLine());
        return new JobWaiter(server.client(), spec.commandLine().getOut(), spec.commandLine().getErr(), poll.interval())
                .await(id, gates);
    }
}
