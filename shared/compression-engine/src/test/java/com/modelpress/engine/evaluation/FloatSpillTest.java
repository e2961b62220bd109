package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

class FloatSpillTest {

    @Test
    void readsBackEveryArrayExactlyInAnyOrder() throws Exception {
        Random random = new Random(7);
        // one array spans several chunks and ends inside one; the empty array and NaN must survive too
        int[] lengths = {3, (1 << 18) * 3 + 17, 0, 1000};
        List<float[]> written = new ArrayList<>();
        List<FloatSpill.Stored> stored = new ArrayList<>();
        try (FloatSpill spill = new FloatSpill()) {
            for (int length : lengths) {
                float[] values = new float[length];
                for (int i = 0; i < length; i++) {
                    values[i] = (float) random.nextGaussian();
                }
                if (length > 0) {
                    values[length - 1] = Float.NaN;
                }
                written.add(values);
                stored.add(spill.write(values));
            }
            for (int index = lengths.length - 1; index >= 0; index--) {
                // isEqualTo compares as Arrays.equals (bit patterns, so NaN matches NaN) in linear time
                assertThat(spill.read(stored.get(index))).isEqualTo(written.get(index));
            }
        }
    }

    @Test
    void leavesNoFileBehind() throws Exception {
        Path file;
        try (FloatSpill spill = new FloatSpill()) {
            FloatSpill.Stored stored = spill.write(new float[] {1, 2, 3});
            file = spill.file();
            assertThat(spill.read(stored)).containsExactly(1, 2, 3);
        }
        assertThat(file).doesNotExist();
    }
}
