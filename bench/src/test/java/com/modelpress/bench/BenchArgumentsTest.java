package com.modelpress.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class BenchArgumentsTest {

    private static final Set<String> KNOWN = Set.of("models", "sentences", "out");

    @Test
    void readsBothSpellingsAndFallsBackToDefaults() {
        BenchArguments args = BenchArguments.parse(new String[] {"--models", "minilm, e5", "--sentences=40"}, KNOWN);

        assertThat(args.list("models", List.of("bge"))).containsExactly("minilm", "e5");
        assertThat(args.positiveInt("sentences", 300)).isEqualTo(40);
        assertThat(args.path("out", Path.of("docs/BENCHMARKS.md"))).isEqualTo(Path.of("docs/BENCHMARKS.md"));
    }

    @Test
    void rejectsUnknownRepeatedOrIncompleteOptions() {
        assertThatThrownBy(() -> BenchArguments.parse(new String[] {"--model", "x"}, KNOWN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown option --model").hasMessageContaining("--models");
        assertThatThrownBy(() -> BenchArguments.parse(new String[] {"--out", "a", "--out", "b"}, KNOWN))
                .hasMessageContaining("given twice");
        assertThatThrownBy(() -> BenchArguments.parse(new String[] {"--out"}, KNOWN))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> BenchArguments.parse(new String[] {"minilm"}, KNOWN))
                .hasMessageContaining("'minilm'");
    }

    @Test
    void rejectsNonPositiveNumbers() {
        BenchArguments args = BenchArguments.parse(new String[] {"--sentences", "0"}, KNOWN);
        assertThatThrownBy(() -> args.positiveInt("sentences", 1)).hasMessageContaining("at least 1, was 0");

        BenchArguments words = BenchArguments.parse(new String[] {"--sentences", "many"}, KNOWN);
        assertThatThrownBy(() -> words.positiveInt("sentences", 1)).hasMessageContaining("'many'");
    }
}
