package com.modelpress.engine.int4;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The arithmetic of {@link GatherInt4} alone: codes, scales and offsets, no graph. */
class GatherInt4Test {

    @Test
    void eachRowsBytesHoldElementJLowAndElementJPlusHalfHighAndDecodeAsCodeTimesScalePlusOffset() {
        int v = 3, d = 64, blockSize = 16;
        float[] values = random(v * d, 1);

        GatherInt4.Rows rows = GatherInt4.quantize(values, v, d, blockSize, false);

        assertThat(rows.packed()).hasSize(v * d / 2);
        assertThat(rows.scales()).hasSize(v * rows.blocks());
        assertThat(rows.offsets()).hasSize(v * rows.blocks());
        for (int row = 0; row < v; row++) {
            for (int j = 0; j < d; j++) {
                int block = row * rows.blocks() + j / blockSize;
                int packed = rows.packed()[row * d / 2 + j % (d / 2)] & 0xff;
                int code = j < d / 2 ? packed & 0xf : packed >>> 4;
                assertThat(rows.decoded()[row * d + j]).as("row %d element %d", row, j)
                        .isEqualTo(code * rows.scales()[block] + rows.offsets()[block]);
            }
        }
        assertThat(rows.storedBytes()).isEqualTo(v * d / 2 + 4L * v * rows.blocks());
    }

    @Test
    void scalesAndOffsetsAreFloat16ValuesAndTheSearchedFitIsNoWorseThanMinMax() {
        int v = 8, d = 128, blockSize = 32;
        float[] values = random(v * d, 2);
        values[5] = 9f; // an outlier the searched range may clip

        GatherInt4.Rows searched = GatherInt4.quantize(values, v, d, blockSize, false);
        GatherInt4.Rows minMax = GatherInt4.quantize(values, v, d, blockSize, true);

        for (float scale : searched.scales()) {
            assertThat(Float.float16ToFloat(Float.floatToFloat16(scale))).isEqualTo(scale);
        }
        for (float offset : searched.offsets()) {
            assertThat(Float.float16ToFloat(Float.floatToFloat16(offset))).isEqualTo(offset);
        }
        assertThat(squaredError(values, searched.decoded())).isLessThanOrEqualTo(squaredError(values, minMax.decoded()));
    }

    @Test
    void aConstantBlockDecodesExactlyWhereFloat16HoldsIt() {
        float[] values = new float[32];
        java.util.Arrays.fill(values, 0.25f);

        GatherInt4.Rows rows = GatherInt4.quantize(values, 1, 32, 32, false);

        assertThat(rows.decoded()).containsOnly(0.25f);
    }

    private static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static double squaredError(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return sum;
    }
}
