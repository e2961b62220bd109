package com.modelpress.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code auto} aimed at a text encoder's pooled sentence embeddings ({@code targetOutput}) instead of its token vectors:
 * the target holds on the pooled cosine the report gives, and the model is no larger than the one the same cosine on
 * every token vector needs.
 */
class PooledTargetTest {

    private static final EvaluationSettings EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @Test
    void autoMeetsAPooledTargetWithoutOvershootingToTheTokenTarget() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.bertLikeEncoder(500, 64, 2, 3), dir.resolve("encoder.onnx"));
        FidelityReport int4 = compress(input, CompressionMethod.of("int4", CompressionOptions.defaults()), "int4");
        assertThat(int4.sentenceEmbeddings()).isNotNull();
        double pooledInt4 = int4.sentenceEmbeddings().meanPooledCosineMean();
        double tokensInt4 = int4.worstCosineMean();
        System.out.printf("int4: pooled %.6f, cls %.6f, tokens %.6f%n", pooledInt4,
                int4.sentenceEmbeddings().clsCosineMean(), tokensInt4);
        assertThat(pooledInt4).isGreaterThan(tokensInt4);
        // between the two: all int4 meets it pooled, not per token
        double target = (pooledInt4 + tokensInt4) / 2;

        FidelityReport pooled = compress(input, auto(target, "pooled-mean"), "pooled");
        FidelityReport tokens = compress(input, auto(target, "tokens"), "tokens");

        assertThat(pooled.notes()).anyMatch(n -> n.contains("of the pooled-mean sentence embeddings met"));
        assertThat(pooled.sentenceEmbeddings().meanPooledCosineMean()).isGreaterThanOrEqualTo(target);
        assertThat(tokens.worstCosineMean()).isGreaterThanOrEqualTo(target);
        assertThat(pooled.sizes().compressedBytes()).isLessThan(tokens.sizes().compressedBytes());
    }

    @Test
    void aPooledTargetNeedsACosineAndAKnownOutput() {
        assertThatThrownBy(() -> new CompressionMethod.Goal(null, 30.0, null, null, "cls"))
                .hasMessageContaining("give one");
        assertThatThrownBy(() -> new CompressionMethod.Goal(0.99, null, null, null, "pooled"))
                .hasMessageContaining("[tokens, pooled-mean, cls]");
    }

    private static CompressionMethod auto(double target, String output) {
        return CompressionMethod.auto(CompressionOptions.defaults(),
                new CompressionMethod.Goal(target, null, null, null, output), Duration.ofMinutes(2));
    }

    private FidelityReport compress(Path input, CompressionMethod method, String name) throws IOException {
        return new ModelCompressor(EVALUATION).compress(input, dir.resolve(name + ".onnx"), method, ProgressListener.NONE);
    }
}
