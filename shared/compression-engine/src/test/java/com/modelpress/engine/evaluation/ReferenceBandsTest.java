package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.OutputFidelity;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReferenceBandsTest {

    @Test
    void placesKlDivergenceAmongKnownQuantizationLevels() {
        assertThat(ReferenceBands.describe(logits(0.0004))).hasValueSatisfying(s -> assertThat(s).contains("Q8_0"));
        assertThat(ReferenceBands.describe(logits(0.003))).hasValueSatisfying(s -> assertThat(s).contains("Q6_K"));
        assertThat(ReferenceBands.describe(logits(0.007))).hasValueSatisfying(s -> assertThat(s).contains("Q4_K_M"));
        assertThat(ReferenceBands.describe(logits(0.02))).hasValueSatisfying(s -> assertThat(s).contains("Q4_K_M"));
        assertThat(ReferenceBands.describe(logits(0.2))).hasValueSatisfying(s -> assertThat(s).contains("lossier"));
        assertThat(ReferenceBands.describe(new OutputFidelity("hidden", 0.99, 0.9, 0.1, 0.5, 20, null, null, 8))).isEmpty();
    }

    @Test
    void bandsAreLlamaCppLevelsStrongestFirst() {
        assertThat(ReferenceBands.band(0.0013).name()).isEqualTo("Q8_0");
        assertThat(ReferenceBands.band(0.0014).name()).isEqualTo("Q6_K");
        assertThat(ReferenceBands.band(0.031).name()).isEqualTo("Q4_K_M");
        assertThat(ReferenceBands.band(0.04)).isEqualTo(ReferenceBands.WORSE);
        assertThat(ReferenceBands.LLAMA_CPP).extracting(b -> b.klMeanHigh()).isSorted();
    }

    private static OutputFidelity logits(double kl) {
        return new OutputFidelity("logits", 0.99, 0.98, 0.05, 0.2, 25, 0.97, kl, 16);
    }
}
