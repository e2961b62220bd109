package com.modelpress.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EmbeddingAgreementTest {

    /** Three pairs of close vectors, each pair along its own axis. */
    private static final float[][] PAIRS = {
            {1, 0, 0}, {0.9f, 0.1f, 0},
            {0, 1, 0}, {0, 0.9f, 0.1f},
            {0, 0, 1}, {0.1f, 0, 0.9f}};

    @Test
    void findsEachVectorsPartnerAsItsNearestNeighbour() {
        assertThat(EmbeddingAgreement.nearestOthers(PAIRS)).containsExactly(1, 0, 3, 2, 5, 4);
    }

    @Test
    void identicalEmbeddingsAgreeCompletely() {
        EmbeddingAgreement agreement = EmbeddingAgreement.between(PAIRS, PAIRS);

        assertThat(agreement.cosineMean()).isCloseTo(1.0, within(1e-9));
        assertThat(agreement.cosineMin()).isCloseTo(1.0, within(1e-9));
        assertThat(agreement.top1Agreement()).isEqualTo(1.0);
        assertThat(agreement.sentences()).isEqualTo(6);
    }

    @Test
    void scalingDoesNotChangeCosineOrNeighbours() {
        float[][] scaled = new float[PAIRS.length][];
        for (int i = 0; i < PAIRS.length; i++) {
            scaled[i] = new float[3];
            for (int j = 0; j < 3; j++) {
                scaled[i][j] = PAIRS[i][j] * (i + 2);
            }
        }

        EmbeddingAgreement agreement = EmbeddingAgreement.between(PAIRS, scaled);

        assertThat(agreement.cosineMin()).isCloseTo(1.0, within(1e-6));
        assertThat(agreement.top1Agreement()).isEqualTo(1.0);
    }

    @Test
    void swappingTwoSentencesEmbeddingsBreaksFourOfSixNeighbourhoods() {
        float[][] swapped = PAIRS.clone();
        swapped[0] = PAIRS[2];
        swapped[2] = PAIRS[0];
        // candidate neighbours: 0->3, 1->2, 2->1, 3->0, 4->5, 5->4; only 4 and 5 keep theirs
        assertThat(EmbeddingAgreement.nearestOthers(swapped)).containsExactly(3, 2, 1, 0, 5, 4);

        EmbeddingAgreement agreement = EmbeddingAgreement.between(PAIRS, swapped);

        assertThat(agreement.top1Agreement()).isCloseTo(2.0 / 6, within(1e-12));
        // sentences 0 and 2 now have orthogonal embeddings, the other four are unchanged
        assertThat(agreement.cosineMin()).isCloseTo(0.0, within(1e-9));
        assertThat(agreement.cosineMean()).isCloseTo(4.0 / 6, within(1e-9));
    }

    @Test
    void cosineOfOppositeVectorsIsMinusOneAndOfAZeroVectorIsZero() {
        assertThat(EmbeddingAgreement.cosine(new float[] {1, 2}, new float[] {-2, -4})).isCloseTo(-1.0, within(1e-9));
        assertThat(EmbeddingAgreement.cosine(new float[] {1, 2}, new float[] {0, 0})).isZero();
    }
}
