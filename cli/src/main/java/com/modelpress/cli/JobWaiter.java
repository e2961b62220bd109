package com.modelpress.cli;

import com.modelpress.contracts.FidelityReport;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Follows a job until it ends, showing its progress events, and turns the outcome into an {@link ExitCode}: 0 only
 * when it succeeded and met every gate ({@link FidelityGates}). A decoder LM's next-token table is printed before the
 * verdict. Polls {@code GET /api/v1/jobs/{id}} and {@code …/events}. Not thread-safe; one per wait.
 */
final class JobWaiter {

    private final ApiClient client;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Duration pollInterval;

    JobWaiter(ApiClient client, PrintWriter out, PrintWriter err, Duration pollInterval) {
        this.client = client;
        this.out = out;
        this.err = err;
        this.pollInterval = pollInterval;
    }

    /**
     * @return {@link ExitCode#OK}, {@link ExitCode#JOB_FAILED}, {@link ExitCode#JOB_CANCELLED} or
     *         {@link ExitCode#BELOW_GATE}
     */
    int await(String id, FidelityGates gates) throws InterruptedException {
        JobView job;
        Set<String> seen = new HashSet<>();
        try (ProgressLine progress = ProgressLine.on(err)) {
            int attempt = 0;
            while (true) {
                job = client.job(id);
                for (JobEventView event : client.events(id)) {
                    if (!seen.add(event.attempt() + ":" + event.sequence())) {
                        continue;
                    }
                    if (event.attempt() > attempt && attempt > 0) {
                        progress.clear();
                        err.println("attempt " + event.attempt() + " started");
                        err.flush();
                    }
                    attempt = Math.max(attempt, event.attempt());
                    event.progress().ifPresent(update -> progress.onProgress(update.step(), update.fraction()));
                }
                if (job.terminal()) {
                    break;
                }
                Thread.sleep(pollInterval);
            }
        }
        return outcome(job, gates);
    }

    private int outcome(JobView job, FidelityGates gates) {
        switch (job.status()) {
            case "FAILED" -> {
                JobView.Error error = job.error();
                out.println("job %s FAILED%s".formatted(job.id(), error == null ? ""
                        : ": " + (error.code() == null ? "" : error.code() + ": ") + error.message()));
                out.flush();
                return ExitCode.JOB_FAILED;
            }
            case "CANCELLED" -> {
                out.println("job " + job.id() + " CANCELLED");
                out.flush();
                return ExitCode.JOB_CANCELLED;
            }
            default -> {
                // SUCCEEDED: the only other terminal status
            }
        }
        FidelityReport report = ApiClient.JSON.readValue(client.reportJson(job.id()), FidelityReport.class);
        out.print(ReportSummary.nextTokenTable(report));
        FidelityGates.Verdict verdict = gates.judge(report);
        out.println("job %s SUCCEEDED%s: %s; verdict %s".formatted(job.id(), verdict.met() ? "" : " but below the gate",
                String.join(", ", verdict.measured()), report.verdict()));
        out.flush();
        return verdict.met() ? ExitCode.OK : ExitCode.BELOW_GATE;
    }
}
