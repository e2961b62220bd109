package com.modelpress.engine.evaluation;

import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ActivationStatisticsTest {

    @TempDir
    Path dir;

    @Test
    void secondMomentOfAGraphInputEqualsTheSumOverTheGivenSamples() throws IOException {
        Path model = OnnxFixtures.write(OnnxFixtures.matMul(4, 3, 1), dir.resolve("m.onnx"));
        float[][] samples = {{1, 2, 3, 4}, {0, -1, 0.5f, 2}, {3, 0, 0, -2}};
        for (int s = 0; s < samples.length; s++) {
            Npy.write(java.nio.file.Files.createDirectories(dir.resolve("calibration/" + s)).resolve("X.npy"),
                    NpyArray.ofFloats(samples[s], 1, 4));
        }
        Map<String, ActivationStatistics.SecondMoment> stats = ActivationStatistics.collect(OnnxModel.read(model),
                Set.of("X"), new CalibrationSettings(0, 0, dir.resolve("calibration")), ProgressListener.NONE);

        ActivationStatistics.SecondMoment x = stats.get("X");
        assertThat(x.rows()).isEqualTo(3);
        assertThat(x.min()).isEqualTo(-2f);
        assertThat(x.max()).isEqualTo(4f);
        assertThat(x.features()).isEqualTo(4);
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                double expected = 0;
                for (float[] sample : samples) {
                    expected += sample[a] * sample[b];
                }
                assertThat(x.xtx()[a * 4 + b]).isCloseTo(expected, within(1e-5));
            }
        }
    }

    @Test
    void observesIntermediateTensorsOfSynthesisedSamples() throws IOException {
        Path model = OnnxFixtures.write(OnnxFixtures.gatherEmbedding(100, 16, 2), dir.resolve("e.onnx"));
        OnnxModel source = OnnxModel.read(model);
        String rows = source.proto().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Gather"))
                .findFirst().orElseThrow().getOutput(0);
        Map<String, ActivationStatistics.SecondMoment> stats = ActivationStatistics.collect(source, Set.of(rows, "missing"),
                new CalibrationSettings(4, 9, null), ProgressListener.NONE);

        assertThat(stats).containsOnlyKeys(rows);
        assertThat(stats.get(rows).features()).isEqualTo(16);
        assertThat(stats.get(rows).rows()).isEqualTo(4L * 32);
        assertThat(stats.get(rows).xtx()[0]).isPositive();
        assertThat(List.of(stats.get(rows).xtx()[1], stats.get(rows).xtx()[16])).as("symmetric")
                .containsExactly(stats.get(rows).xtx()[16], stats.get(rows).xtx()[1]);
    }
}
