package com.modelpress.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scenario × runs × outcome table the fault suite produces: one row per scenario, rewritten to
 * {@code target/faults/reliability-tally.md} after every run so that an interrupted suite still leaves its numbers.
 *
 * <p>Thread-safe.
 */
final class ReliabilityTally {

    /** One scenario's totals over its runs. */
    private static final class Row {
        final String scenario;
        int runs;
        int passed;
        int jobs;
        int faults;
        final Map<String, Integer> outcomes = new TreeMap<>();
        final List<String> notes = new ArrayList<>();
        Duration time = Duration.ZERO;

        Row(String scenario) {
            this.scenario = scenario;
        }
    }

    private final Path file;
    private final Map<String, Row> rows = new java.util.LinkedHashMap<>();
    private final Instant started = Instant.now();

    ReliabilityTally(Path file) {
        this.file = file;
    }

    /**
     * @param faults   faults injected in this run (kills, restarts, duplicates, …)
     * @param outcomes final job states, e.g. {@code SUCCEEDED → 3}
     * @param passed   whether every invariant held
     * @param note     what the run observed, shown in the table (nullable)
     */
    synchronized void record(String scenario, int jobs, int faults, Map<String, Integer> outcomes, boolean passed,
                             String note, Duration time) {
        Row row = rows.computeIfAbsent(scenario, Row::new);
        row.runs++;
        row.passed += passed ? 1 : 0;
        row.jobs += jobs;
        row.faults += faults;
        outcomes.forEach((outcome, count) -> row.outcomes.merge(outcome, count, Integer::sum));
        if (note != null && !note.isBlank() && !row.notes.contains(note)) {
            row.notes.add(note);
        }
        row.time = row.time.plus(time);
        write();
    }

    /** A scenario that could not run here (e.g. RabbitMQ not installed). */
    synchronized void skipped(String scenario, String why) {
        Row row = rows.computeIfAbsent(scenario, Row::new);
        row.notes.add("skipped: " + why);
        write();
    }

    synchronized String table() {
        StringBuilder table = new StringBuilder();
        table.append("| scenario | runs | passed | jobs | faults injected | job outcomes | seconds | observed |\n");
        table.append("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |\n");
        for (Row row : rows.values()) {
            table.append("| %s | %d | %d | %d | %d | %s | %d | %s |\n".formatted(row.scenario, row.runs, row.passed,
                    row.jobs, row.faults, row.outcomes.isEmpty() ? "—" : outcomes(row.outcomes), row.time.toSeconds(),
                    String.join("; ", row.notes).replace("|", "/")));
        }
        return table.toString();
    }

    private static String outcomes(Map<String, Integer> outcomes) {
        List<String> parts = new ArrayList<>();
        outcomes.forEach((outcome, count) -> parts.add(count + " " + outcome));
        return String.join(", ", parts);
    }

    private void write() {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "Fault-injection tally, " + started + " (" + Runtime.getRuntime().availableProcessors()
                    + " cores)\n\n" + table());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
