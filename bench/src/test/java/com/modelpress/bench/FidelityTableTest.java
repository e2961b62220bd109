package com.modelpress.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class FidelityTableTest {

    @Test
    void formatsMeasuredAndFailedRows() {
        List<FidelityRow> rows = List.of(
                new FidelityRow.Measured("all-MiniLM-L6-v2", "int4", 0.1834, 4.53, 21.04,
                        new EmbeddingAgreement(0.991234, 0.95, 0.96875, 320), new PairedLatency(15.0, 12.34, 15), 7.25),
                new FidelityRow.Measured("all-MiniLM-L6-v2", "ORT int8 (shipped -q)", 0.2541, null, null,
                        new EmbeddingAgreement(0.99, 0.98, 1.0, 320), new PairedLatency(12.0, 6.0, 15), null),
                new FidelityRow.Failed("e5-small-v2", "fp16", "no float | weights"));

        String[] lines = FidelityTable.markdown(rows).split("\n");

        assertThat(lines).hasSize(5);
        assertThat(lines[2]).isEqualTo("| all-MiniLM-L6-v2 | int4 | 18.3 % | 4.53 | 21.0 | 0.99123 | 0.95000"
                + " | 96.9 % | 0.82× (12.3 / 15.0 ms) | 7.3 |");
        assertThat(lines[3]).contains("| — | — |").contains("| 100.0 % | 0.50× (6.0 / 12.0 ms) | — |");
        assertThat(lines[4])
                .isEqualTo("| e5-small-v2 | fp16 | failed: no float / weights | — | — | — | — | — | — | — |");
        // every line has the header's number of cells
        long headerPipes = lines[0].chars().filter(c -> c == '|').count();
        for (String line : lines) {
            assertThat(line.chars().filter(c -> c == '|').count()).as(line).isEqualTo(headerPipes);
        }
    }
}
