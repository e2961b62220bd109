package com.modelpress.bench;

import com.modelpress.tokenizer.TokenBatch;
import java.util.Arrays;

import ai.onnxruntime.OrtException;

/**
 * Latency of a reference and a candidate model on the same batch, timed in alternation (reference first in
 * even rounds, candidate first in odd ones) so that load from other processes on a shared machine falls on
 * both alike. Tokenisation is not timed; pooling is.
 *
 * @param referenceMedianMillis median wall time of one batch through the reference model, in milliseconds
 * @param candidateMedianMillis the same for the candidate model
 * @param runs                  timed runs per model, after the warm-ups
 */
record PairedLatency(double referenceMedianMillis, double candidateMedianMillis, int runs) {

    /** @return candidate / reference median */
    double ratio() {
        return candidateMedianMillis / referenceMedianMillis;
    }

    /**
     * @param warmups untimed runs per model before timing starts
     * @param runs    timed runs per model, at least 1
     */
    static PairedLatency measure(SentenceEmbedder reference, SentenceEmbedder candidate, TokenBatch batch,
                                 int warmups, int runs) throws OrtException {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be at least 1, was " + runs);
        }
        for (int i = 0; i < warmups; i++) {
            reference.embed(batch);
            candidate.embed(batch);
        }
        long[] referenceNanos = new long[runs];
        long[] candidateNanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            if (i % 2 == 0) {
                referenceNanos[i] = time(reference, batch);
                candidateNanos[i] = time(candidate, batch);
            } else {
                candidateNanos[i] = time(candidate, batch);
                referenceNanos[i] = time(reference, batch);
            }
        }
        return new PairedLatency(median(referenceNanos) / 1e6, median(candidateNanos) / 1e6, runs);
    }

    private static long time(SentenceEmbedder embedder, TokenBatch batch) throws OrtException {
        long start = System.nanoTime();
        embedder.embed(batch);
        return System.nanoTime() - start;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2.0;
    }
}
