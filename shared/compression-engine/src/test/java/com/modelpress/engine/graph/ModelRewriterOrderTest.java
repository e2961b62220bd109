package com.modelpress.engine.graph;

import com.modelpress.engine.testing.DecoderFixtures;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Graph order, in which calibration in groups computes statistics and the compression visits weights. */
class ModelRewriterOrderTest {

    @TempDir
    Path dir;

    @Test
    void weightsComeLayerAfterLayerAndATiedTableAtTheHead() throws IOException {
        OnnxModel tied = OnnxModel.read(OnnxFixtures.write(DecoderFixtures.decoder(DecoderFixtures.SMALL,
                DecoderFixtures.Weights.FLOAT32, DecoderFixtures.Head.TIED, 5), dir.resolve("tied.onnx")));
        List<String> order = names(new ModelRewriter(tied, null).inGraphOrder().weights());
        List<String> matrices = order.stream().filter(name -> name.endsWith("proj") || name.endsWith("proj.weight")
                || name.equals(DecoderFixtures.EMBEDDING)).toList();

        assertThat(matrices).hasSizeGreaterThan(8);
        // the table's first reader is the embedding lookup, but the activation it is calibrated on is the head's input
        assertThat(matrices.getLast()).isEqualTo(DecoderFixtures.EMBEDDING);
        assertThat(matrices.indexOf(matrices.stream().filter(n -> n.contains("layers.0")).findFirst().orElseThrow()))
                .isLessThan(matrices.indexOf(matrices.stream().filter(n -> n.contains("layers.1")).findFirst().orElseThrow()));

        OnnxModel untied = OnnxModel.read(OnnxFixtures.write(DecoderFixtures.decoder(DecoderFixtures.SMALL,
                DecoderFixtures.Weights.FLOAT32, DecoderFixtures.Head.UNTIED, 5), dir.resolve("untied.onnx")));
        List<String> untiedOrder = names(new ModelRewriter(untied, null).inGraphOrder().weights());
        assertThat(untiedOrder.indexOf(DecoderFixtures.EMBEDDING)).isLessThan(untiedOrder.indexOf(DecoderFixtures.HEAD));
        assertThat(untiedOrder.stream().filter(n -> n.contains("proj") || n.equals(DecoderFixtures.HEAD)).toList().getLast())
                .isEqualTo(DecoderFixtures.HEAD);
    }

    private static List<String> names(List<Weight> weights) {
        return weights.stream().map(Weight::name).toList();
    }
}
