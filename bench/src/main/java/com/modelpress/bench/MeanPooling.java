package com.modelpress.bench;

import java.util.Arrays;

/**
 * Sentence embeddings as the mean of the token vectors of a {@code [batch, sequence, hidden]} output, over
 * the positions whose attention mask is 1, as sentence-transformers pools MiniLM. Stateless.
 */
final class MeanPooling {

    private MeanPooling() {
    }

    /**
     * @param hidden        row-major {@code [batch, sequence, hiddenSize]} values, never null
     * @param attentionMask row-major {@code [batch, sequence]}, 1 for a token to include, 0 to skip
     * @return {@code [batch][hiddenSize]} means; a row whose mask is all 0 is all 0
     */
    static float[][] pool(float[] hidden, long[] attentionMask, int batch, int sequence, int hiddenSize) {
        if (hidden.length != (long) batch * sequence * hiddenSize || attentionMask.length != batch * sequence) {
            throw new IllegalArgumentException("expected " + batch + " x " + sequence + " x " + hiddenSize
                    + " values and a " + batch + " x " + sequence + " mask, got " + hidden.length + " and "
                    + attentionMask.length);
        }
        float[][] pooled = new float[batch][hiddenSize];
        double[] sum = new double[hiddenSize];
        for (int b = 0; b < batch; b++) {
            Arrays.fill(sum, 0.0);
            long tokens = 0;
            for (int s = 0; s < sequence; s++) {
                if (attentionMask[b * sequence + s] == 0) {
                    continue;
                }
                tokens++;
                int offset = (b * sequence + s) * hiddenSize;
                for (int h = 0; h < hiddenSize; h++) {
                    sum[h] += hidden[offset + h];
                }
            }
            if (tokens > 0) {
                for (int h = 0; h < hiddenSize; h++) {
                    pooled[b][h] = (float) (sum[h] / tokens);
                }
            }
        }
        return pooled;
    }
}
