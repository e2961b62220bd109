package com.modelpress.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MeanPoolingTest {

    @Test
    void averagesOnlyTheUnmaskedPositions() {
        // batch 2, sequence 3, hidden 2
        float[] hidden = {
                1, 10, 3, 30, 100, 100,   // row 0: third position is padding
                2, 4, 4, 8, 6, 12};       // row 1: all real
        long[] mask = {1, 1, 0, 1, 1, 1};

        float[][] pooled = MeanPooling.pool(hidden, mask, 2, 3, 2);

        assertThat(pooled[0]).containsExactly(2f, 20f);
        assertThat(pooled[1]).containsExactly(4f, 8f);
    }

    @Test
    void fullyMaskedRowPoolsToZeros() {
        float[][] pooled = MeanPooling.pool(new float[] {5, 7}, new long[] {0}, 1, 1, 2);

        assertThat(pooled[0]).containsExactly(0f, 0f);
    }

    @Test
    void rejectsMismatchedShapes() {
        assertThatThrownBy(() -> MeanPooling.pool(new float[5], new long[2], 1, 2, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 x 2 x 3");
    }
}
