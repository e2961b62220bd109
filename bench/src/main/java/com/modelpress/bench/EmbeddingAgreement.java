package com.modelpress.bench;

/**
 * How closely a candidate model's sentence embeddings follow a reference model's on the same sentences.
 *
 * @param cosineMean    mean over sentences of cos(reference_i, candidate_i)
 * @param cosineMin     the lowest of those cosines
 * @param top1Agreement fraction of sentences whose nearest other sentence (by cosine, within the same model's
 *                      embeddings) is the same for both models, in [0, 1]
 * @param sentences     number of sentences compared
 */
record EmbeddingAgreement(double cosineMean, double cosineMin, double top1Agreement, int sentences) {

    /**
     * @param reference {@code [sentences][dimension]}, at least two rows
     * @param candidate same shape as {@code reference}, same sentence order
     */
    static EmbeddingAgreement between(float[][] reference, float[][] candidate) {
        if (reference.length != candidate.length || reference.length < 2) {
            throw new IllegalArgumentException("need the same number (at least 2) of embeddings, got "
                    + reference.length + " and " + candidate.length);
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < reference.length; i++) {
            double cosine = cosine(reference[i], candidate[i]);
            sum += cosine;
            min = Math.min(min, cosine);
        }
        int[] referenceNeighbours = nearestOthers(reference);
        int[] candidateNeighbours = nearestOthers(candidate);
        int agreeing = 0;
        for (int i = 0; i < reference.length; i++) {
            if (referenceNeighbours[i] == candidateNeighbours[i]) {
                agreeing++;
            }
        }
        return new EmbeddingAgreement(sum / reference.length, min, (double) agreeing / reference.length,
                reference.length);
    }

    /**
     * @return cos(a, b) in [-1, 1]; 0 when either vector is all zeros
     */
    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of length " + a.length + " and " + b.length);
        }
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        if (normA == 0 || normB == 0) {
            return 0;
        }
        return dot / Math.sqrt(normA * normB);
    }

    /**
     * @param embeddings at least two rows
     * @return for each row, the index of the most cosine-similar other row (the lowest index on a tie)
     */
    static int[] nearestOthers(float[][] embeddings) {
        int n = embeddings.length;
        double[][] similarity = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                similarity[i][j] = cosine(embeddings[i], embeddings[j]);
                similarity[j][i] = similarity[i][j];
            }
        }
        int[] nearest = new int[n];
        for (int i = 0; i < n; i++) {
            int best = -1;
            for (int j = 0; j < n; j++) {
                if (j != i && (best < 0 || similarity[i][j] > similarity[i][best])) {
                    best = j;
                }
            }
            nearest[i] = best;
        }
        return nearest;
    }
}
