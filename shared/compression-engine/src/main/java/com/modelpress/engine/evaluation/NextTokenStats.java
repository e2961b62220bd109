package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.NextTokenFidelity;
import com.modelpress.contracts.FidelityReport.PositionAgreement;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Accumulates how far a compressed decoder's next-token distributions are from the original's over one phase
 * (prefill or decode), position by position: KL(original ‖ compressed) of the softmax distributions, same top-1,
 * overlap of the five most likely tokens, and where the true next token is known, both models' negative
 * log-likelihood of it (perplexity) and the change of its probability (Δp). Log-softmax is computed in double
 * precision from the logits as the models return them (float16 logits arrive widened to float). Not thread-safe.
 */
final class NextTokenStats {

    static final int TOP_K = 5;
    /** The most buckets {@link PositionAgreement} holds, whatever the context length. */
    static final int MAX_POSITION_BUCKETS = 64;

    private double[] kls = new double[256];
    private int positions;
    private long sameTop1;
    private double top5Sum;
    private long scored;
    private double nllOriginal;
    private double nllCompressed;
    private double squaredDeltaP;
    /** Per position along the sequence (or decode step): distributions compared, and how many agreed on top-1. */
    private long[] comparedAt = new long[0];
    private long[] agreedAt = new long[0];

    /** One position's comparison. {@code nll…} and {@code deltaP} are NaN when the true token is unknown. */
    record Position(double kl, boolean sameTop1, double top5Overlap, double nllOriginal, double nllCompressed,
                    double deltaP) {}

    /**
     * Compares the distributions at some positions of two logits arrays, in parallel.
     *
     * @param original   the original's logits, {@code vocabulary} per position
     * @param compressed the compressed model's logits, same layout
     * @param positions  the positions to compare
     * @param truth      per compared position, the true next token, or −1 when unknown
     * @param along      per compared position, where it stands in its sequence (prefill: the index in the window;
     *                   decode: the step), for same top-1 by position
     */
    void add(float[] original, float[] compressed, int vocabulary, int[] positions, long[] truth, int[] along) {
        List<Position> measured = IntStream.range(0, positions.length).parallel()
                .mapToObj(i -> measure(original, compressed, positions[i] * vocabulary, vocabulary, truth[i]))
                .toList();
        for (int i = 0; i < positions.length; i++) {
            add(measured.get(i), along[i]);
        }
    }

    /** @param along where the position stands in its sequence, ≥ 0 */
    void add(Position position, int along) {
        if (along >= comparedAt.length) {
            comparedAt = Arrays.copyOf(comparedAt, Math.max(along + 1, comparedAt.length * 2));
            agreedAt = Arrays.copyOf(agreedAt, comparedAt.length);
        }
        comparedAt[along]++;
        agreedAt[along] += position.sameTop1() ? 1 : 0;
        add(position);
    }

    private void add(Position position) {
        if (positions == kls.length) {
            kls = Arrays.copyOf(kls, positions * 2);
        }
        kls[positions++] = position.kl();
        sameTop1 += position.sameTop1() ? 1 : 0;
        top5Sum += position.top5Overlap();
        if (!Double.isNaN(position.nllOriginal())) {
            scored++;
            nllOriginal += position.nllOriginal();
            nllCompressed += position.nllCompressed();
            squaredDeltaP += position.deltaP() * position.deltaP();
        }
    }

    int positions() {
        return positions;
    }

    /** Null when no position was added; perplexity and Δp over the positions whose true token was known, null without any. */
    NextTokenFidelity result() {
        if (positions == 0) {
            return null;
        }
        double[] sorted = Arrays.copyOf(kls, positions);
        Arrays.sort(sorted);
        double mean = Arrays.stream(sorted).sum() / positions;
        int middle = positions / 2;
        double median = positions % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        double p99 = sorted[Math.max(0, (int) Math.ceil(0.99 * positions) - 1)];
        double max = sorted[positions - 1];
        LogBins histogram = new LogBins();
        for (double kl : sorted) {
            histogram.add(kl);
        }
        Double pplOriginal = null;
        Double pplCompressed = null;
        Double lnRatio = null;
        Double rmsDeltaP = null;
        if (scored > 0) {
            pplOriginal = saturate(Math.exp(nllOriginal / scored));
            pplCompressed = saturate(Math.exp(nllCompressed / scored));
            lnRatio = saturate((nllCompressed - nllOriginal) / scored);
            rmsDeltaP = Math.sqrt(squaredDeltaP / scored);
        }
        return new NextTokenFidelity(positions, pplOriginal, pplCompressed, lnRatio, saturate(mean), saturate(median),
                saturate(p99), saturate(max), (double) sameTop1 / positions, top5Sum / positions, rmsDeltaP,
                ReferenceBands.band(saturate(mean)).name(), histogram.result(), byPosition());
    }

    /** Same top-1 per position, consecutive positions merged into at most {@value #MAX_POSITION_BUCKETS} buckets. */
    private PositionAgreement byPosition() {
        int length = comparedAt.length;
        while (length > 0 && comparedAt[length - 1] == 0) {
            length--;
        }
        int width = Math.max(1, Math.ceilDiv(length, MAX_POSITION_BUCKETS));
        List<Double> agreement = new java.util.ArrayList<>();
        List<Long> compared = new java.util.ArrayList<>();
        for (int from = 0; from < length; from += width) {
            long n = 0;
            long agreed = 0;
            for (int at = from; at < Math.min(length, from + width); at++) {
                n += comparedAt[at];
                agreed += agreedAt[at];
            }
            compared.add(n);
            agreement.add(n == 0 ? 0 : (double) agreed / n);
        }
        return new PositionAgreement(width, agreement, compared);
    }

    /** @param truth the true next token, or −1 when unknown */
    static Position measure(float[] original, float[] compressed, int offset, int vocabulary, long truth) {
        double lseOriginal = logSumExp(original, offset, vocabulary);
        double lseCompressed = logSumExp(compressed, offset, vocabulary);
        double kl = 0;
        for (int i = offset; i < offset + vocabulary; i++) {
            double logP = original[i] - lseOriginal;
            if (logP == Double.NEGATIVE_INFINITY) {
                continue;
            }
            kl += Math.exp(logP) * (logP - (compressed[i] - lseCompressed));
        }
        if (Double.isNaN(kl)) {
            kl = Double.POSITIVE_INFINITY;
        }
        int[] topOriginal = top(original, offset, vocabulary);
        int[] topCompressed = top(compressed, offset, vocabulary);
        int shared = 0;
        for (int a : topOriginal) {
            for (int b : topCompressed) {
                shared += a == b ? 1 : 0;
            }
        }
        double nllOriginal = Double.NaN;
        double nllCompressed = Double.NaN;
        double deltaP = Double.NaN;
        if (truth >= 0) {
            int index = offset + Math.toIntExact(truth);
            double logP = original[index] - lseOriginal;
            double logQ = compressed[index] - lseCompressed;
            nllOriginal = -logP;
            nllCompressed = -logQ;
            deltaP = Math.exp(logQ) - Math.exp(logP);
        }
        return new Position(Math.max(0, kl), topOriginal[0] == topCompressed[0], (double) shared / topOriginal.length,
                nllOriginal, nllCompressed, deltaP);
    }

    /** Index of the largest value of one position (first on ties). */
    static int argmax(float[] values, int offset, int vocabulary) {
        int best = offset;
        for (int i = offset + 1; i < offset + vocabulary; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best - offset;
    }

    /** Indices of the {@value #TOP_K} largest values, largest first (earlier index first on ties). */
    private static int[] top(float[] values, int offset, int vocabulary) {
        int k = Math.min(TOP_K, vocabulary);
        int[] best = new int[k];
        float[] bestValues = new float[k];
        int filled = 0;
        for (int i = 0; i < vocabulary; i++) {
            float value = values[offset + i];
            if (filled == k && !(value > bestValues[k - 1])) {
                continue;
            }
            int at = filled < k ? filled++ : k - 1;
            while (at > 0 && value > bestValues[at - 1]) {
                best[at] = best[at - 1];
                bestValues[at] = bestValues[at - 1];
                at--;
            }
            best[at] = i;
            bestValues[at] = value;
        }
        return best;
    }

    private static double logSumExp(float[] values, int offset, int vocabulary) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = offset; i < offset + vocabulary; i++) {
            max = Math.max(max, values[i]);
        }
        if (Double.isInfinite(max)) {
            return max;
        }
        double sum = 0;
        for (int i = offset; i < offset + vocabulary; i++) {
            sum += Math.exp(values[i] - max);
        }
        return max + Math.log(sum);
    }

    private static double saturate(double value) {
        return Double.isFinite(value) ? value : Double.MAX_VALUE;
    }
}
