package com.modelpress.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;

/**
 * What one model file produces on the bench sentences, and how long it takes.
 *
 * @param embeddings        {@code [sentences][hidden]} mean-pooled embeddings
 * @param medianBatchMillis median wall time of embedding the first batch (tokenisation excluded), in
 *                          milliseconds
 */
record ModelRun(float[][] embeddings, double medianBatchMillis) {

    /**
     * Embeds every sentence, then times the first batch: {@code warmups} untimed runs, then {@code timedRuns}.
     *
     * @param timedRuns at least 1
     */
    static ModelRun of(OrtEnvironment environment, Path model, WordPieceTokenizer tokenizer, List<String> sentences,
                       int batchSize, int warmups, int timedRuns) throws OrtException {
        if (timedRuns < 1) {
            throw new IllegalArgumentException("timedRuns must be at least 1, was " + timedRuns);
        }
        try (SentenceEmbedder embedder = new SentenceEmbedder(environment, model, tokenizer)) {
            float[][] embeddings = embedder.embed(sentences, batchSize);
            TokenBatch timed = tokenizer.encodeBatch(sentences.subList(0, Math.min(batchSize, sentences.size())));
            for (int i = 0; i < warmups; i++) {
                embedder.embed(timed);
            }
            long[] nanos = new long[timedRuns];
            for (int i = 0; i < timedRuns; i++) {
                long start = System.nanoTime();
                embedder.embed(timed);
                nanos[i] = System.nanoTime() - start;
            }
            return new ModelRun(embeddings, median(nanos) / 1e6);
        }
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
    }
}
