package com.modelpress.cli;

import com.modelpress.contracts.FidelityReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code modelpress status}: one line about a job. */
@Command(name = "status",
        description = {"Print a job's status: id, status, method, attempt, created, and the error of a failed job.",
                "For a decoder LM that succeeded, also its next-token fidelity (the table compress prints)."})
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    JobReference reference;

    @Override
    public Integer call() {
        JobView job = reference.client().job(reference.id);
        PrintWriter out = spec.commandLine().getOut();
        out.println("%s %s method=%s attempt=%d created=%s".formatted(job.id(), job.status(), job.method(), job.attempt(),
                job.createdAt()));
        if (job.error() != null) {
            out.println("error: %s: %s".formatted(job.error().code(), job.error().message()));
        }
        if (Boolean.TRUE.equals(job.reportAvailable()) && "decoder-lm".equals(job.modelKind())) {
            out.print(ReportSummary.nextTokenTable(ApiClient.JSON.readValue(reference.client().reportJson(reference.id),
                    FidelityReport.class)));
        }
        out.flush();
        return ExitCode.OK;
    }
}
