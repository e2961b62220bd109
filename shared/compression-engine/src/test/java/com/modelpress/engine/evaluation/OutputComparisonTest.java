package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.modelpress.contracts.FidelityReport.OutputFidelity;
import org.junit.jupiter.api.Test;

/** Cosines of a sigmoid-map-like output whose background rows are about 0 in both models. */
class OutputComparisonTest {

    @Test
    void rowsThatAreAbout0InTheOriginalAreLeftOutOfTheCosinesButNotOutOfTheErrors() {
        // row 0 carries the signal; row 1 is background, 1e-9 in the original and 2e-9 elsewhere in the compressed
        float[] original = {0.9f, 0.1f, 0.8f, 1e-9f, 0f, 0f};
        float[] compressed = {0.9f, 0.1f, 0.8f, 0f, 2e-9f, 0f};
        OutputComparison comparison = new OutputComparison("map", false, false);
        comparison.add(original, compressed, 3, null);
        OutputFidelity result = comparison.result();

        assertThat(comparison.negligible()).isEqualTo(1);
        assertThat(result.vectors()).isEqualTo(2);
        assertThat(result.cosineMin()).isCloseTo(1.0, within(1e-9));
        assertThat(result.maxAbsError()).isCloseTo(2e-9, within(1e-12));
    }

    @Test
    void aVectorThatDisagreesAndIsNotNegligibleStillSetsTheMinimum() {
        float[] original = {1f, 0f, 0f, 1f};
        float[] compressed = {1f, 0f, 1f, 0f};
        OutputComparison comparison = new OutputComparison("y", false, false);
        comparison.add(original, compressed, 2, null);

        assertThat(comparison.negligible()).isZero();
        assertThat(comparison.result().cosineMin()).isCloseTo(0.0, within(1e-9));
        assertThat(comparison.result().cosineMean()).isCloseTo(0.5, within(1e-9));
    }
}
