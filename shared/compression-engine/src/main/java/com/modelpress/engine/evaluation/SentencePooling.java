package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.SentenceEmbeddingFidelity;

/**
 * Sentence embeddings pooled from a text encoder's token vectors ({@code [batch, sequence, hidden]}), as sentence
 * embedding models are used: the attention-masked mean over the sequence, and the first token ([CLS]); the cosine of
 * the original's and the compressed model's embedding per sentence, its mean and minimum over the evaluation samples.
 * A per-token cosine understates how close pooled embeddings stay (token errors partly cancel in the mean), so a target
 * set from a pooled benchmark is measured here.
 *
 * <p>Not thread-safe; one instance per evaluation.
 */
final class SentencePooling {

    private final String output;
    private double meanSum;
    private double meanMin = Double.POSITIVE_INFINITY;
    private double clsSum;
    private double clsMin = Double.POSITIVE_INFINITY;
    private int sentences;

    /** @param output the token-vector output pooled */
    SentencePooling(String output) {
        this.output = output;
    }

    /** True for an output whose vectors are a sentence's tokens: rank 3. */
    static boolean pools(long[] shape) {
        return shape.length == 3 && shape[1] > 0 && shape[2] > 1;
    }

    String output() {
        return output;
    }

    /**
     * @param shape {@code [batch, sequence, hidden]}
     * @param mask  nullable: {@code [batch, sequence]}, non-zero where a token counts (all count without it)
     */
    void add(long[] shape, float[] reference, float[] candidate, long[] mask) {
        int batch = Math.toIntExact(shape[0]);
        int sequence = Math.toIntExact(shape[1]);
        int hidden = Math.toIntExact(shape[2]);
        double[] a = new double[hidden];
        double[] b = new double[hidden];
        for (int s = 0; s < batch; s++) {
            java.util.Arrays.fill(a, 0);
            java.util.Arrays.fill(b, 0);
            int counted = 0;
            for (int t = 0; t < sequence; t++) {
                if (mask != null && mask[s * sequence + t] == 0) {
                    continue;
                }
                counted++;
                int base = (s * sequence + t) * hidden;
                for (int h = 0; h < hidden; h++) {
                    a[h] += reference[base + h];
                    b[h] += candidate[base + h];
                }
            }
            if (counted == 0) {
                continue;
            }
            double mean = cosine(a, b, hidden);
            int first = s * sequence * hidden;
            double cls = cosine(reference, candidate, first, hidden);
            meanSum += mean;
            meanMin = Math.min(meanMin, mean);
            clsSum += cls;
            clsMin = Math.min(clsMin, cls);
            sentences++;
        }
    }

    /** Null when no sentence was pooled. */
    SentenceEmbeddingFidelity result() {
        if (sentences == 0) {
            return null;
        }
        return new SentenceEmbeddingFidelity(output, sentences, meanSum / sentences, meanMin, clsSum / sentences, clsMin);
    }

    private static double cosine(double[] a, double[] b, int length) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 && nb == 0 ? 1 : dot / Math.sqrt(na * nb);
    }

    private static double cosine(float[] a, float[] b, int from, int length) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = from; i < from + length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 && nb == 0 ? 1 : dot / Math.sqrt(na * nb);
    }
}
