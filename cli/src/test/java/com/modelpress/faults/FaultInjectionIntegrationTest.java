package com.modelpress.faults;

import com.modelpress.contracts.job.Topology;
import com.modelpress.embedded.EmbeddedPostgres;
import com.modelpress.embedded.TestServices;
import com.modelpress.files.FileTrees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault injection with api-service and worker-service as separate OS processes on real PostgreSQL and RabbitMQ:
 * workers killed with SIGKILL mid-job (in a loop), stopped with SIGTERM mid-job, the API killed and restarted, job
 * messages delivered twice, two workers, the broker stopped and started while jobs are published and consumed (and
 * down at submit time), PostgreSQL stopped and started while jobs run. Each scenario ends with
 * {@link JobInvariants#check}: one terminal state per accepted job, no terminal event recorded twice, only the winning
 * attempt's artifacts linked (and intact), the outbox drained.
 *
 * <p>The machine's PostgreSQL and RabbitMQ (via {@link TestServices}: {@code MODELPRESS_TEST_DATABASE},
 * {@code MODELPRESS_TEST_VHOST}) serve the scenarios that kill processes; they are never stopped. Scenarios that restart
 * a service start private instances: a RabbitMQ node of its own ({@link PrivateRabbitNode}; skipped where RabbitMQ is
 * not installed) and a PostgreSQL of its own ({@link EmbeddedPostgres} on a kept data folder).
 *
 * <p>{@code -Dmodelpress.faults.runs=N} runs every scenario N times (default 1); {@code -Dmodelpress.faults.kills=K}
 * sets the kills of the SIGKILL loop (default 10). The tally goes to {@code target/faults/reliability-tally.md} and
 * to standard output; process logs to {@code target/faults/logs/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIntegrationTest {

    private static final int RUNS = Integer.getInteger("modelpress.faults.runs", 1);
    private static final int KILLS = Integer.getInteger("modelpress.faults.kills", 10);
    /** Model size: an int4 job of a few seconds (see {@link FaultModels}). */
    private static final int WIDTH = 256;
    private static final int LAYERS = 6;
    private static final Duration JOBS_DONE = Duration.ofMinutes(4);
    private static final Duration RUNNING = Duration.ofMinutes(2);

    private final Path target = Path.of("target", "faults").toAbsolutePath();
    private final ReliabilityTally tally = new ReliabilityTally(target.resolve("reliability-tally.md"));
    private Path scratch;
    private FaultRig machine;
    private long seed = 1;

    @BeforeAll
    void machineServices() throws IOException {
        scratch = Files.createTempDirectory("modelpress-faults-");
        TestServices.Settings settings = TestServices.settings();
        machine = new FaultRig("machine", new FaultRig.Services(settings.postgres().jdbcUrl(),
                settings.postgres().username(), settings.postgres().password(), settings.amqp().host(),
                settings.amqp().port(), settings.amqp().username(), settings.amqp().password(),
                settings.amqp().virtualHost()), Files.createDirectories(scratch.resolve("machine")), target.resolve("logs"));
    }

    @AfterAll
    void tearDown() throws IOException {
        if (machine != null) {
            machine.close();
        }
        System.out.println("\n=== fault-injection tally (" + target.resolve("reliability-tally.md") + ")\n" + tally.table());
        FileTrees.delete(scratch);
    }

    // ------------------------------------------------------------------ worker SIGKILL loop

    @Test
    @Order(1)
    void workerKilledMidJobRepeatedly() throws Exception {
        for (int run = 1; run <= RUNS; run++) {
            scenario("worker SIGKILL mid-job, " + KILLS + "× in a loop", machine, 3, (rig, ids, report) -> {
                Map<UUID, Integer> kills = new HashMap<>();
                for (int kill = 1; kill <= KILLS && !rig.allTerminal(ids); kill++) {
                    long mark = rig.eventMark();
                    ServiceProcess worker = rig.startWorker();
                    FaultRig.Running running = rig.awaitProgress(mark, ids, RUNNING);
                    worker.kill();
                    kills.merge(running.jobId(), 1, Integer::sum);
                    report.faults++;
                }
                ServiceProcess fresh = rig.startWorker();
                rig.awaitTerminal(ids, JOBS_DONE);
                fresh.terminate(Duration.ofSeconds(60));
                report.note = "kills per job " + kills.values().stream().sorted().toList();
                for (UUID id : ids) {
                    int k = kills.getOrDefault(id, 0);
                    String outcome = outcomeOf(rig, id);
                    if (k < Topology.JOBS_DELIVERY_LIMIT && !"SUCCEEDED".equals(outcome)) {
                        report.violations.add(id + " was killed " + k + " times (under the delivery limit) but ended " + outcome);
                    }
                    if (!"SUCCEEDED".equals(outcome) && !"FAILED/poison_message".equals(outcome)) {
                        report.violations.add(id + " ended " + outcome + ", neither SUCCEEDED nor poison_message");
                    }
                }
            });
        }
    }

    // ------------------------------------------------------------------ duplicate delivery

    @Test
    @Order(2)
    void sameJobMessageDeliveredTwice() throws Exception {
        for (int run = 1; run <= RUNS; run++) {
            scenario("same job message delivered twice (after success; concurrently on two workers)", machine, 0,
                    (rig, ids, report) -> {
                ServiceProcess first = rig.startWorker();
                UUID done = submit(rig);
                ids.add(done);
                rig.awaitTerminal(List.of(done), JOBS_DONE);
                Pause.until("the first run's attempt counted", Duration.ofSeconds(30), () -> FaultRig.finishedAttempts(first) >= 1);
                rig.publishJobMessage(rig.jobMessage(done));
                report.faults++;
                Pause.until("the duplicate of a finished job handled", JOBS_DONE, () -> FaultRig.finishedAttempts(first) >= 2);

                // both copies queued at once, two idle workers: each takes one and both run attempt 1 side by side
                ServiceProcess second = rig.startWorker();
                UUID twice = submit(rig);
                ids.add(twice);
                Pause.until("the job message relayed", Duration.ofSeconds(60), () -> rig.unpublishedOutbox() == 0);
                rig.publishJobMessage(rig.jobMessage(twice));
                report.faults++;
                rig.awaitTerminal(ids, JOBS_DONE);
                Pause.until("both runs of the twice-delivered job over", JOBS_DONE,
                        () -> FaultRig.finishedAttempts(first) + FaultRig.finishedAttempts(second) >= 4);
                long bySecond = FaultRig.finishedAttempts(second);
                first.terminate(Duration.ofSeconds(60));
                second.terminate(Duration.ofSeconds(60));
                report.note = bySecond == 1 ? "4 runs for 2 jobs; the second copy ran on the other worker at the same time"
                        : "4 runs for 2 jobs; both copies ran on one worker, one after the other";
            });
        }
    }

    // ------------------------------------------------------------------ two workers

    @Test
    @Order(3)
    void twoWorkersShareTheQueue() throws Exception {
        for (int run = 1; run <= RUNS; run++) {
            scenario("two workers share the queue", machine, 0, (rig, ids, report) -> {
                ServiceProcess one = rig.startWorker();
                ServiceProcess two = rig.startWorker();
                for (int i = 0; i < 6; i++) {
                    ids.add(submit(rig));
                }
                rig.awaitTerminal(ids, JOBS_DONE);
                long byOne = FaultRig.finishedAttempts(one);
                long byTwo = FaultRig.finishedAttempts(two);
                one.terminate(Duration.ofSeconds(60));
                two.terminate(Duration.ofSeconds(60));
                report.note = "runs per worker " + byOne + " + " + byTwo;
                if (byOne + byTwo != ids.size()) {
                    report.violations.add("expected one run per job, the workers ran " + byOne + " + " + byTwo);
                }
                for (UUID id : ids) {
                    int started = count(rig, "select count(*) from job_events where job_id = ? and type = 'started'", id);
                    if (started != 1) {
                        report.violations.add(id + " was started " + started + " times with no fault injected");
                    }
                }
            });
        }
    }

    // ------------------------------------------------------------------ SIGTERM

    @Test
    @Order(4)
    void workerSigtermMidJob() throws Exception {
        for (int run = 1; run <= RUNS; run++) {
            sigterm("worker SIGTERM mid-job, default grace period (30 s)", Map.of(), false);
            sigterm("worker SIGTERM mid-job, grace period 1 s (hand back)",
                    Map.of("modelpress.worker.shutdown-grace-period", "1s"), true);
        }
    }

    /** @param handBack whether the grace period is too short for the job, so that another worker must finish it */
    private void sigterm(String name, Map<String, String> workerProperties, boolean handBack) throws Exception {
        scenario(name, machine, 2, (rig, ids, report) -> {
            long mark = rig.eventMark();
            ServiceProcess worker = rig.startWorker(workerProperties);
            FaultRig.Running running = rig.awaitProgress(mark, ids, RUNNING);
            Instant signalled = Instant.now();
            OptionalInt exit = worker.terminate(Duration.ofSeconds(120));
            long seconds = Duration.between(signalled, Instant.now()).toSeconds();
            report.faults++;
            if (exit.isEmpty()) {
                report.violations.add("the worker did not exit within 120 s of SIGTERM");
            }
            int attemptsByStoppedWorker = count(rig,
                    "select count(*) from job_events where job_id = ? and type = 'started'", running.jobId());
            ServiceProcess fresh = rig.startWorker();
            rig.awaitTerminal(ids, JOBS_DONE);
            fresh.terminate(Duration.ofSeconds(60));
            int finalAttempt = count(rig, "select attempt from jobs where id = ?", running.jobId());
            String outcome = outcomeOf(rig, running.jobId());
            if (!"SUCCEEDED".equals(outcome)) {
                report.violations.add("stopping a worker must not fail its job, yet it ended " + outcome);
            }
            boolean finished = finalAttempt == running.attempt();
            if (handBack && finished) {
                report.violations.add("a 1 s grace period cannot finish the job, yet attempt " + running.attempt() + " did");
            }
            report.note = "exit %s after %d s; the job running at SIGTERM %s (attempt %d of %d started)".formatted(
                    exit.isPresent() ? Integer.toString(exit.getAsInt()) : "none", seconds,
                    finished ? "finished within the grace period" : "was handed back and finished by another worker",
                    finalAttempt, Math.max(attemptsByStoppedWorker, finalAttempt));
        });
    }

    // ------------------------------------------------------------------ API SIGKILL

    @Test
    @Order(5)
    void apiKilledAndRestartedWhileAWorkerFinishes() throws Exception {
        for (int run = 1; run <= RUNS; run++) {
            scenario("API SIGKILL + restart while a worker finishes", machine, 3, (rig, ids, report) -> {
                long mark = rig.eventMark();
                ServiceProcess worker = rig.startWorker();
                rig.awaitProgress(mark, ids, RUNNING);
                rig.api().kill();
                report.faults++;
                Pause.until("the worker finished a job while the API was down", JOBS_DONE,
                        () -> FaultRig.finishedAttempts(worker) >= 1);
                long queued = rig.queueDepth(Topology.EVENTS_QUEUE);
                rig.startApi();
                rig.awaitTerminal(ids, JOBS_DONE);
                worker.terminate(Duration.ofSeconds(60));
                report.note = queued + " events waited in the queue for the restarted API";
            });
        }
    }

    // ------------------------------------------------------------------ broker restarts (private RabbitMQ)

    @Test
    @Order(6)
    void brokerRestartedWhilePublishingAndConsuming() throws Exception {
        String name = "broker stop_app/start_app while publishing and consuming; submit while down";
        if (!PrivateRabbitNode.installed()) {
            tally.skipped(name, "rabbitmq-server is not installed");
            Assumptions.abort("rabbitmq-server is not installed here: the broker-restart scenario needs a private node");
        }
        machine.stopAll(); // its relay must not publish this scenario's outbox rows elsewhere
        try (PrivateRabbitNode node = PrivateRabbitNode.start()) {
            FaultRig.Services base = machine.services();
            FaultRig.Services services = new FaultRig.Services(base.jdbcUrl(), base.dbUser(), base.dbPassword(),
                    "127.0.0.1", node.port(), "guest", "guest", "/");
            try (FaultRig rig = new FaultRig("broker", services, Files.createDirectories(scratch.resolve("broker")),
                    target.resolve("logs"))) {
                for (int run = 1; run <= RUNS; run++) {
                    scenario(name, rig, 0, (r, ids, report) -> {
                        ServiceProcess worker = r.startWorker();
                        long mark = r.eventMark();
                        ids.add(submit(r));
                        ids.add(submit(r));
                        node.stopApp(); // while the relay publishes the two jobs
                        report.faults++;
                        ids.add(submit(r)); // broker down: accepted all the same (outbox)
                        ids.add(submit(r));
                        node.startApp();
                        r.awaitProgress(mark, ids, RUNNING);
                        node.stopApp(); // while the worker consumes
                        report.faults++;
                        Pause.of(Duration.ofSeconds(3));
                        node.startApp();
                        r.awaitTerminal(ids, JOBS_DONE);
                        worker.terminate(Duration.ofSeconds(60));
                        report.note = "2 jobs submitted while the broker was down, accepted";
                    });
                }
                rig.stopAll();
            }
        }
    }

    // ------------------------------------------------------------------ PostgreSQL restart (private PostgreSQL)

    @Test
    @Order(7)
    void postgresRestartedWhileJobsRun() throws Exception {
        String name = "PostgreSQL restart while jobs run";
        machine.stopAll();
        Path data = scratch.resolve("postgres");
        int port = FaultRig.freePort();
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.start(data, port);
        } catch (RuntimeException e) {
            tally.skipped(name, "no private PostgreSQL: " + e.getMessage());
            Assumptions.abort("a private PostgreSQL could not start here: " + e.getMessage());
            return;
        }
        EmbeddedPostgres[] server = {postgres};
        Thread stopOnExit = new Thread(() -> server[0].close(), "private-postgres-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            server[0].createDatabaseIfMissing("modelpress");
            FaultRig.Services base = machine.services();
            FaultRig.Services services = new FaultRig.Services(server[0].jdbcUrl("modelpress"),
                    EmbeddedPostgres.SUPERUSER, "", base.amqpHost(), base.amqpPort(), base.amqpUser(),
                    base.amqpPassword(), base.virtualHost());
            try (FaultRig rig = new FaultRig("postgres", services, Files.createDirectories(scratch.resolve("pg")),
                    target.resolve("logs"))) {
                for (int run = 1; run <= RUNS; run++) {
                    scenario(name, rig, 3, (r, ids, report) -> {
                        long mark = r.eventMark();
                        ServiceProcess worker = r.startWorker();
                        r.awaitProgress(mark, ids, RUNNING);
                        server[0].close();
                        report.faults++;
                        Pause.of(Duration.ofSeconds(5));
                        server[0] = EmbeddedPostgres.start(data, port);
                        r.awaitTerminal(ids, JOBS_DONE);
                        worker.terminate(Duration.ofSeconds(60));
                        report.note = "down 5 s mid-job";
                    });
                }
                rig.stopAll();
            }
        } finally {
            server[0].close();
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
    }

    // ------------------------------------------------------------------ scenario plumbing

    /** What a scenario body reports besides its job ids. */
    private static final class Report {
        int faults;
        String note;
        final List<String> violations = new ArrayList<>();
    }

    @FunctionalInterface
    private interface Body {
        void run(FaultRig rig, List<UUID> ids, Report report) throws Exception;
    }

    /**
     * Starts the API if needed, submits {@code jobs} jobs, runs the body, checks the invariants on every job the body
     * and this method submitted, records the run in the tally, then fails on any violation.
     */
    private void scenario(String name, FaultRig rig, int jobs, Body body) throws Exception {
        rig.scenario(name.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "").toLowerCase(java.util.Locale.ROOT));
        Instant start = Instant.now();
        if (rig.api() == null || !rig.api().isAlive()) {
            rig.purgeQueues();
            rig.startApi();
        }
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            ids.add(submit(rig));
        }
        Report report = new Report();
        Throwable failure = null;
        try {
            body.run(rig, ids, report);
            report.violations.addAll(JobInvariants.check(rig, ids));
        } catch (Exception | AssertionError e) {
            failure = e;
            report.violations.add(e.toString());
        }
        Map<String, Integer> outcomes = safeOutcomes(rig, ids);
        tally.record(name, ids.size(), report.faults, outcomes, report.violations.isEmpty(),
                report.violations.isEmpty() ? report.note : report.note + "; VIOLATIONS: " + report.violations,
                Duration.between(start, Instant.now()));
        System.out.printf("[faults] %s: %d jobs %s, %d faults, %s%n", name, ids.size(), outcomes, report.faults,
                report.violations.isEmpty() ? "passed" : "FAILED " + report.violations);
        if (failure != null) {
            if (failure instanceof Exception exception) {
                throw exception;
            }
            throw (AssertionError) failure;
        }
        assertThat(report.violations).as(name).isEmpty();
    }

    private UUID submit(FaultRig rig) {
        return rig.submit(FaultModels.tanhChain(WIDTH, LAYERS, seed++), "chain.onnx");
    }

    private static Map<String, Integer> safeOutcomes(FaultRig rig, List<UUID> ids) {
        try {
            return JobInvariants.outcomes(rig, ids);
        } catch (SQLException e) {
            return Map.of("UNKNOWN (database unreachable)", ids.size());
        }
    }

    private static String outcomeOf(FaultRig rig, UUID id) throws SQLException {
        return JobInvariants.outcomes(rig, List.of(id)).keySet().iterator().next();
    }

    private static int count(FaultRig rig, String sql, UUID id) throws SQLException {
        try (var db = rig.database(); var query = db.prepareStatement(sql)) {
            query.setObject(1, id);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? row.getInt(1) : 0;
            }
        }
    }
}
