package com.modelpress.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarksDocTest {

    @Test
    void createsTheFileWithIntroAndAppendsANewSection(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("docs/BENCHMARKS.md");

        BenchmarksDoc.writeSection(file, "fidelity", "Fidelity", "| a |\n");

        String written = Files.readString(file);
        assertThat(written).startsWith("# Benchmarks");
        assertThat(written).endsWith("## Fidelity\n\n<!-- fidelity:start -->\n| a |\n<!-- fidelity:end -->\n");
    }

    @Test
    void replacesOnlyTheContentBetweenTheMarkers() {
        String document = """
                # Benchmarks
                hand-written text
                <!-- fidelity:start -->
                old numbers
                <!-- fidelity:end -->
                more text
                <!-- throughput:start -->
                other numbers
                <!-- throughput:end -->
                """;

        String updated = BenchmarksDoc.withSection(document, "fidelity", "Fidelity", "new numbers");

        assertThat(updated).isEqualTo("""
                # Benchmarks
                hand-written text
                <!-- fidelity:start -->
                new numbers
                <!-- fidelity:end -->
                more text
                <!-- throughput:start -->
                other numbers
                <!-- throughput:end -->
                """);
    }

    @Test
    void refusesMarkersOutOfOrderOrHalfMissing() {
        assertThatThrownBy(() -> BenchmarksDoc.withSection(
                "<!-- fidelity:end -->\n<!-- fidelity:start -->\n", "fidelity", "Fidelity", "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchmarksDoc.withSection("<!-- fidelity:start -->\n", "fidelity", "Fidelity", "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
