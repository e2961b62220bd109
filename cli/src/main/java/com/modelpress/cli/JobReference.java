package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * What the commands that read one job on a server ({@code status}, {@code report}, {@code download}) share: the
 * server, the job's id, and their help and exit codes. A picocli mixin; its {@code @Command} attributes become the
 * command's.
 */
@Command(mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_SERVER_ERROR,
                ExitCode.HELP_UNAUTHORIZED})
final class JobReference {

    @Mixin
    ServerOption server;

    @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
    String id;

    ApiClient client() {
        return server.client();
    }
}
