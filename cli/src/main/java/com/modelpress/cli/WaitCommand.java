package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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

    @Mixin
    GateOptions floors;

    @Override
    public Integer call() throws InterruptedException {
        FidelityGates gates = floors.gates();
        gates.check(spec.commandLine());
        return new JobWaiter(server.client(), spec.commandLine().getOut(), spec.commandLine().getErr(), poll.interval())
                .await(id, gates);
    }
}
