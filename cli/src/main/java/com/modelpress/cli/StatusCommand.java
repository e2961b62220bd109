package com.modelpress.cli;

import com.modelpress.contracts.FidelityReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code modelpress status}: one line about a job. */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = {"Print a job's status: id, status, method, attempt, created, and the error of a failed job.",
                "For a decoder LM that succeeded, also its next-token fidelity (the table compress prints)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_SERVER_ERROR,
                ExitCode.HELP_UNAUTHORIZED})
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOption server;

    @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
    String id;

    @Override
    public Integer call() {
        JobView job = server.client().job(id);
        PrintWriter out = spec.commandLine().getOut();
        out.println("%s %s method=%s attempt=%d created=%s".formatted(job.id(), job.status(), job.method(), job.attempt(),
                job.createdAt()));
        if (job.error() != null) {
            out.println("error: %s: %s".formatted(job.error().code(), job.error().message()));
        }
        if (Boolean.TRUE.equals(job.reportAvailable()) && "decoder-lm".equals(job.modelKind())) {
            out.print(ReportSummary.nextTokenTable(ApiClient.JSON.readValue(server.client().reportJson(id),
                    FidelityReport.class)));
        }
        out.flush();
        return ExitCode.OK;
    }
}
