package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.LogHistogram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogBinsTest {

    @Test
    void valuesLandInTheirQuarterDecadeAndTheEndsAreCounted() {
        LogBins bins = new LogBins();
        for (double value : List.of(0.0, -1e-12, 1e-9, 1e-8, 1.5e-8, 1e-3, 0.00177, 0.0018, 9.99, 10.0, Double.NaN)) {
            bins.add(value);
        }

        LogHistogram histogram = bins.result();

        assertThat(histogram.counts()).hasSize(LogBins.BINS).hasSize(36);
        assertThat(histogram.below()).isEqualTo(3);   // 0, rounding noise under 0, 1e-9
        assertThat(histogram.above()).isEqualTo(2);   // 10 and NaN
        assertThat(histogram.counts().get(0)).isEqualTo(2);  // [1e-8, 1.78e-8)
        assertThat(histogram.counts().get(20)).isEqualTo(2); // [1e-3, 1.778e-3)
        assertThat(histogram.counts().get(21)).isEqualTo(1); // [1.78e-3, 3.16e-3)
        assertThat(histogram.counts().get(35)).isEqualTo(1); // [5.6, 10)
        assertThat(histogram.total()).isEqualTo(11);
    }

    /** Whether {@code value} lies within the highest non-empty bin of {@code histogram}. */
    static boolean highestBinHolds(LogHistogram histogram, double value) {
        int highest = histogram.counts().size() - 1;
        while (highest >= 0 && histogram.counts().get(highest) == 0) {
            highest--;
        }
        double width = (histogram.log10To() - histogram.log10From()) / histogram.counts().size();
        double log = Math.log10(value);
        return highest >= 0 && log >= histogram.log10From() + highest * width - 1e-12
                && log < histogram.log10From() + (highest + 1) * width + 1e-12;
    }
}
