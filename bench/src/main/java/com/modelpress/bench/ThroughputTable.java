package com.modelpress.bench;

import java.util.List;
import java.util.Locale;

/** Renders throughput rows as a markdown table. */
final class ThroughputTable {

    private ThroughputTable() {
    }

    /** @return a markdown table with one line per row, in order */
    static String markdown(List<ThroughputRow> rows) {
        StringBuilder table = new StringBuilder("""
                | operation | MB processed | best time (s) | MB/s |
                |---|---:|---:|---:|
                """);
        for (ThroughputRow row : rows) {
            table.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.1f |\n", row.operation(),
                    row.bytes() / 1e6, row.bestSeconds(), row.megabytesPerSecond()));
        }
        return table.toString();
    }
}
