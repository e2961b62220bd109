package com.modelpress.bench;

import java.util.List;
import java.util.Locale;

/** Renders fidelity rows as a markdown table. */
final class FidelityTable {

    private static final String HEADER = """
            | model | method | size vs fp32 | bits/weight | worst output SQNR (dB) | pooled cosine mean | \
            pooled cosine min | top-1 neighbour agreement | batch latency vs fp32 (compressed / fp32) | compress (s) |
            |---|---|---:|---:|---:|---:|---:|---:|---:|---:|
            """;

    private FidelityTable() {
    }

    /** @return a markdown table with one line per row, in order */
    static String markdown(List<FidelityRow> rows) {
        StringBuilder table = new StringBuilder(HEADER);
        for (FidelityRow row : rows) {
            table.append(switch (row) {
                case FidelityRow.Measured m -> cells(m.model(), m.variant(),
                        format("%.1f %%", m.sizeRatio() * 100),
                        m.bitsPerWeight() == null ? "—" : format("%.2f", m.bitsPerWeight()),
                        m.worstOutputSqnrDb() == null ? "—" : format("%.1f", m.worstOutputSqnrDb()),
                        format("%.5f", m.agreement().cosineMean()),
                        format("%.5f", m.agreement().cosineMin()),
                        format("%.1f %%", m.agreement().top1Agreement() * 100),
                        format("%.2f× (%.1f / %.1f ms)", m.latency().ratio(), m.latency().candidateMedianMillis(),
                                m.latency().referenceMedianMillis()),
                        m.compressionSeconds() == null ? "—" : format("%.1f", m.compressionSeconds()));
                case FidelityRow.Failed f -> cells(f.model(), f.variant(),
                        "failed: " + f.reason().replace('|', '/').replace('\n', ' '),
                        "—", "—", "—", "—", "—", "—", "—");
            });
        }
        return table.toString();
    }

    private static String cells(String... values) {
        return "| " + String.join(" | ", values) + " |\n";
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
