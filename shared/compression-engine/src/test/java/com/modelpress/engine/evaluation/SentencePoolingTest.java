package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.modelpress.contracts.FidelityReport.SentenceEmbeddingFidelity;
import org.junit.jupiter.api.Test;

/** Mean pooling leaves masked positions out; the first token is [CLS]; cosines by hand. */
class SentencePoolingTest {

    @Test
    void poolsOverUnmaskedTokensAndTakesTheFirstToken() {
        // two sentences of three tokens of two dimensions; the second sentence's last token is padding
        float[] reference = {1, 0, 0, 1, 1, 1, /* */ 2, 0, 0, 2, 100, -100};
        float[] candidate = {1, 0, 0, 1, 1, 1, /* */ 0, 2, 0, 2, -100, 100};
        SentencePooling pooling = new SentencePooling("h");
        pooling.add(new long[]{2, 3, 2}, reference, candidate, new long[]{1, 1, 1, 1, 1, 0});

        SentenceEmbeddingFidelity result = pooling.result();

        assertThat(result.sentences()).isEqualTo(2);
        // sentence 2: means (2,2) against (0,4) → cos 45° ; first tokens (2,0) against (0,2) → 0
        double second = Math.sqrt(0.5);
        assertThat(result.meanPooledCosineMean()).isCloseTo((1 + second) / 2, within(1e-12));
        assertThat(result.meanPooledCosineMin()).isCloseTo(second, within(1e-12));
        assertThat(result.clsCosineMean()).isCloseTo(0.5, within(1e-12));
        assertThat(result.clsCosineMin()).isCloseTo(0, within(1e-12));
        assertThat(SentencePooling.pools(new long[]{1, 32, 384})).isTrue();
        assertThat(SentencePooling.pools(new long[]{1, 384})).isFalse();
    }
}
