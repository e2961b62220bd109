package com.modelpress.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Follows a job until it ends, showing its progress events, and turns the outcome into an {@link ExitCode}: 0 only
 * when it succeeded and met the cosine gate. Polls {@code GET /api/v1/jobs/{id}} and {@code …/events}.
 * Not thread-safe; one per wait.
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
     * @param minCosine nullable: no gate
     * @return {@link ExitCode#OK}, {@link ExitCode#JOB_FAILED}, {@link ExitCode#JOB_CANCELLED} or
     *         {@link ExitCode#BELOW_GATE}
     */
    int await(String id, Double minCosine) throws InterruptedException {
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
                    if (event.step() != null && event.fraction() != null) {
                        progress.onProgress(event.step(), event.fraction());
                    }
                }
                if (job.terminal()) {
                    break;
                }
                Thread.sleep(pollInterval);
            }
        }
        return outcome(job, minCosine);
    }

    private int outcome(JobView job, Double minCosine) {
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
        double worst = ApiClient.worstCosineMean(client.reportJson(job.id()));
        String cosine = String.format(Locale.ROOT, "%.6f", worst);
        if (minCosine != null && !(worst >= minCosine)) {
            out.println("job %s SUCCEEDED but below the gate: worst mean cosine %s < %s".formatted(job.id(), cosine,
                    String.format(Locale.ROOT, "%s", minCosine)));
            out.flush();
            return ExitCode.BELOW_GATE;
        }
        out.println("job %s SUCCEEDED: worst mean cosine %s%s".formatted(job.id(), cosine,
                minCosine == null ? "" : String.format(Locale.ROOT, " >= %s", minCosine)));
        out.flush();
        return ExitCode.OK;
    }
}
