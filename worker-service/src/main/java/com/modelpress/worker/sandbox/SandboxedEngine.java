package com.modelpress.worker.sandbox;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.worker.failure.InvalidTextInputException;
import com.modelpress.worker.failure.JobCancelledException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs the engine in a child JVM per attempt ({@link SandboxChild}, started as {@link SandboxCommand} says) and
 * turns however that child ends into a result or an exception: its outcome file when it wrote one, otherwise its
 * JVM error report ({@code worker_crashed}), its out-of-memory exit ({@code out_of_memory}) or its exit code.
 *
 * <p>While the child runs, its progress lines are relayed to the attempt, and every {@value #POLL_MILLIS} ms the
 * worker checks for a cancel and for the deadline: either stops the child, SIGTERM first, SIGKILL after
 * {@code stopGrace}. The child is never left running when {@link #run} returns or throws.
 *
 * <p>Thread-safe: every call has its own process, folder and threads.
 */
public final class SandboxedEngine implements Engine {

    private static final Logger log = LoggerFactory.getLogger(SandboxedEngine.class);
    static final int POLL_MILLIS = 100;
    /** Console lines kept for messages and the log. */
    static final int CONSOLE_LINES = 40;
    /** Lines of a JVM error report copied into the worker's log (the scratch folder is deleted after the attempt). */
    private static final int ERROR_REPORT_LINES = 60;
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);

    private final SandboxCommand command;
    private final String maxHeap;
    private final Duration stopGrace;
    private final Clock clock;

    public SandboxedEngine(SandboxCommand command, String maxHeap, Duration stopGrace, Clock clock) {
        this.command = command;
        this.maxHeap = maxHeap;
        this.stopGrace = stopGrace;
        this.clock = clock;
    }

    @Override
    public FidelityReport run(EngineTask task, Path scratch, Instant deadline, EngineProgress progress)
            throws IOException, EngineFailureException, EngineErrorException, InvalidTextInputException {
        Ending ending = runChild(task, scratch, deadline, progress);
        return judge(ending.exit(), ending.outcome(), ending.errorReport(), ending.console(), maxHeap);
    }

    /**
     * How a child ended on its own (not stopped for a cancel or the deadline).
     *
     * @param outcome     nullable: what it wrote before exiting
     * @param errorReport the first lines of its JVM error report; empty when there is none
     * @param console     its last console lines
     */
    record Ending(int exit, ChildOutcome outcome, List<String> errorReport, List<String> console) {}

    /** Runs the child to its end; {@link #run} judges that end. */
    Ending runChild(EngineTask task, Path scratch, Instant deadline, EngineProgress progress)
            throws IOException, EngineFailureException {
        Files.createDirectories(scratch.resolve("tmp"));
        Path request = scratch.resolve(SandboxProtocol.REQUEST);
        Files.write(request, SandboxProtocol.JSON.writeValueAsBytes(task));
        Console console = new Console(CONSOLE_LINES);
        Relay relay = new Relay(progress);
        Process child = command.processBuilder(scratch, request).start();
        log.info("job {}: engine started in child JVM {}{}", task.jobId(), child.pid(),
                command.bootJar() ? " (through the Boot launcher)" : "");
        Thread stdout = pump(child.getInputStream(), child.pid() + "-out",
                line -> SandboxProtocol.parseProgress(line).ifPresentOrElse(relay::accept, () -> console.add(line)));
        Thread stderr = pump(child.getErrorStream(), child.pid() + "-err", console::add);
        try {
            awaitExit(child, deadline, progress, relay);
        } finally {
            if (child.isAlive()) {
                stop(child);
            }
            join(stdout);
            join(stderr);
            child.getOutputStream().close();
        }
        int exit = child.exitValue();
        List<String> errorReport = errorReport(scratch);
        if (!errorReport.isEmpty()) {
            log.warn("job {}: the engine's JVM {} crashed; its error report begins:\n{}", task.jobId(), child.pid(),
                    String.join("\n", errorReport));
        }
        ChildOutcome outcome = outcome(scratch.resolve(SandboxProtocol.OUTCOME));
        if (!(outcome instanceof ChildOutcome.Succeeded)) {
            log.info("job {}: engine JVM {} exited with {}; its last console lines:\n{}", task.jobId(), child.pid(), exit,
                    String.join("\n", console.lines()));
        }
        if (outcome instanceof ChildOutcome.Succeeded succeeded) {
            log.info("job {}: engine done, peak heap {} MiB of {} MiB", task.jobId(), succeeded.peakHeapBytes() >> 20,
                    succeeded.maxHeapBytes() >> 20);
        }
        return new Ending(exit, outcome, errorReport, console.lines());
    }

    private void awaitExit(Process child, Instant deadline, EngineProgress progress, Relay relay)
            throws InterruptedIOException, EngineFailureException {
        try {
            while (!child.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                try {
                    progress.checkCancelled(relay.step());
                } catch (JobCancelledException e) {
                    stop(child);
                    throw e;
                }
                if (!clock.instant().isBefore(deadline)) {
                    stop(child);
                    throw new EngineFailureException(EngineFailureException.Kind.TIMED_OUT,
                            "its engine was stopped during step " + relay.step());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the engine ran; its JVM is stopped");
        }
    }

    /** SIGTERM, then SIGKILL when the child is still there after the grace period. Returns once it is gone. */
    private void stop(Process child) {
        child.destroy();
        try {
            if (!child.waitFor(stopGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("engine JVM {} did not stop within {} of SIGTERM; killing it", child.pid(), stopGrace);
                child.destroyForcibly();
                if (!child.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.error("engine JVM {} is still there {} after SIGKILL", child.pid(), KILL_WAIT);
                }
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Decides what a finished child's exit means.
     *
     * @param outcome     nullable: what the child wrote before exiting
     * @param errorReport the first lines of the JVM's fatal error report; empty when there is none
     * @param console     the child's last console lines (stdout apart from progress, and stderr)
     */
    static FidelityReport judge(int exit, ChildOutcome outcome, List<String> errorReport, List<String> console,
                                String maxHeap) throws EngineFailureException, EngineErrorException,
            InvalidTextInputException {
        switch (outcome) {
            case ChildOutcome.Succeeded succeeded -> {
                return succeeded.report();
            }
            case ChildOutcome.Rejected rejected -> {
                switch (String.valueOf(rejected.code())) {
                    case "unsupported_model" -> throw new UnsupportedModelException(rejected.message());
                    case InvalidTextInputException.TEXT, InvalidTextInputException.TOKENIZER ->
                            throw new InvalidTextInputException(rejected.code(), rejected.message());
                    default -> throw new InvalidModelException(rejected.message());
                }
            }
            case ChildOutcome.Failed failed -> throw new EngineErrorException(failed.exception(), failed.message());
            case ChildOutcome.OutOfMemory oom -> throw new EngineFailureException(EngineFailureException.Kind.OUT_OF_MEMORY,
                    "the engine ran out of memory (%s); the sandbox's max heap is %s".formatted(oom.message(), maxHeap));
            case null -> {
                // no outcome: the child died; judged below
            }
        }
        if (!errorReport.isEmpty()) {
            if (errorReport.stream().anyMatch(line -> line.contains("insufficient memory for the Java Runtime Environment"))) {
                throw new EngineFailureException(EngineFailureException.Kind.OUT_OF_MEMORY,
                        "the engine's JVM could not get native memory: " + describeCrash(errorReport));
            }
            throw new EngineFailureException(EngineFailureException.Kind.CRASHED, "the engine crashed: " + describeCrash(errorReport));
        }
        String oomLine = console.stream().filter(line -> line.contains("java.lang.OutOfMemoryError")).findFirst().orElse(null);
        if (exit == SandboxProtocol.EXIT_OUT_OF_MEMORY || oomLine != null) {
            throw new EngineFailureException(EngineFailureException.Kind.OUT_OF_MEMORY,
                    "the engine ran out of memory (%s); the sandbox's max heap is %s".formatted(
                            oomLine == null ? "exit code " + exit : oomLine.strip(), maxHeap));
        }
        if (exit > 128) {
            int signal = exit - 128;
            throw new EngineFailureException(EngineFailureException.Kind.CRASHED,
                    "the engine's JVM was killed by signal %d (%s)%s".formatted(signal, signalName(signal),
                            signal == 9 ? "; the kernel's OOM killer sends it when the machine runs out of memory" : ""));
        }
        throw new EngineFailureException(EngineFailureException.Kind.CRASHED,
                "the engine's JVM exited with code %d without a result%s".formatted(exit, lastLines(console)));
    }

    /** "SIGSEGV (0xb) at pc=…, pid=…, tid=…; problematic frame: C  [libc.so.6+0x156219]" from a JVM error report. */
    static String describeCrash(List<String> errorReport) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < errorReport.size(); i++) {
            String line = errorReport.get(i).replaceFirst("^#\\s*", "").strip();
            if (parts.isEmpty() && (line.startsWith("SIG") || line.startsWith("Internal Error")
                    || line.startsWith("Out of Memory Error") || line.startsWith("There is insufficient memory"))) {
                parts.add(line);
            }
            if (line.equals("Problematic frame:") && i + 1 < errorReport.size()) {
                parts.add("problematic frame: " + errorReport.get(i + 1).replaceFirst("^#\\s*", "").strip());
            }
        }
        return parts.isEmpty() ? "see the JVM error report in the worker's log" : String.join("; ", parts);
    }

    private static String lastLines(List<String> console) {
        List<String> meaningful = console.stream().map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (meaningful.isEmpty()) {
            return "";
        }
        String last = String.join(" | ", meaningful.subList(Math.max(0, meaningful.size() - 3), meaningful.size()));
        return "; it printed: " + (last.length() > 500 ? last.substring(0, 500) + "…" : last);
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }

    /** @return the first lines of the JVM error report in the scratch folder; empty when there is none */
    private static List<String> errorReport(Path scratch) throws IOException {
        Path report;
        try (Stream<Path> files = Files.list(scratch)) {
            report = files.filter(f -> f.getFileName().toString().startsWith(SandboxProtocol.ERROR_FILE_PREFIX))
                    .findFirst().orElse(null);
        }
        if (report == null) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(report, StandardCharsets.ISO_8859_1)) {
            for (String line; lines.size() < ERROR_REPORT_LINES && (line = reader.readLine()) != null; ) {
                lines.add(line);
            }
        }
        // an empty report is still evidence of a crash
        return lines.isEmpty() ? List.of("# (empty JVM error report " + report.getFileName() + ")") : lines;
    }

    /** @return null when the child wrote no outcome, or one that cannot be read */
    private static ChildOutcome outcome(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return SandboxProtocol.JSON.readValue(file.toFile(), ChildOutcome.class);
        } catch (JacksonException e) {
            log.warn("unreadable engine outcome {}: {}", file, e.getOriginalMessage());
            return null;
        }
    }

    private static Thread pump(InputStream stream, String name, Consumer<String> lines) {
        return Thread.ofPlatform().daemon().name("engine-" + name).start(() -> {
            try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
                readLines(reader, MAX_LINE, lines);
            } catch (IOException e) {
                // the stream closes when the child is gone
            }
        });
    }

    /** Characters of one console or progress line kept; the rest of a longer line is read and dropped. */
    static final int MAX_LINE = 8192;

    /**
     * Hands each line of {@code reader} to {@code lines}, cut at {@code maxLine} characters (marked with {@code …}):
     * a child that prints a gigabyte without a newline costs the worker {@code maxLine} characters, not a gigabyte.
     */
    static void readLines(Reader reader, int maxLine, Consumer<String> lines) throws IOException {
        StringBuilder line = new StringBuilder();
        boolean cut = false;
        char[] buffer = new char[4096];
        for (int n; (n = reader.read(buffer)) >= 0; ) {
            for (int i = 0; i < n; i++) {
                char c = buffer[i];
                if (c == '\n') {
                    lines.accept(cut ? line + "…" : stripCarriageReturn(line));
                    line.setLength(0);
                    cut = false;
                } else if (line.length() < maxLine) {
                    line.append(c);
                } else {
                    cut = true;
                }
            }
        }
        if (!line.isEmpty()) {
            lines.accept(cut ? line + "…" : stripCarriageReturn(line));
        }
    }

    private static String stripCarriageReturn(StringBuilder line) {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    private static void join(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands the child's progress to the attempt and remembers the step it is in. */
    private static final class Relay implements Consumer<SandboxProtocol.Progress> {

        private final EngineProgress progress;
        private volatile String step = "start";

        Relay(EngineProgress progress) {
            this.progress = progress;
        }

        @Override
        public void accept(SandboxProtocol.Progress update) {
            step = update.step();
            try {
                progress.onProgress(update.step(), update.fraction());
            } catch (JobCancelledException e) {
                // the waiting thread sees the cancel too and stops the child
            } catch (RuntimeException e) {
                log.warn("progress of the engine could not be relayed: {}", e.toString());
            }
        }

        String step() {
            return step;
        }
    }

    /** The last lines the child printed. Thread-safe. */
    static final class Console {

        private final int capacity;
        private final Deque<String> lines = new ArrayDeque<>();

        Console(int capacity) {
            this.capacity = capacity;
        }

        synchronized void add(String line) {
            if (lines.size() == capacity) {
                lines.removeFirst();
            }
            lines.addLast(line.length() > 1000 ? line.substring(0, 1000) + "…" : line);
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }
    }
}
