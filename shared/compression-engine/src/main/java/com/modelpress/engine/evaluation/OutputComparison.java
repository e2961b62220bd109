package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.engine.InvalidModelException;

import java.util.List;

/**
 * Accumulates how far one output of the compressed model is from the original's, over all samples, vector
 * by vector along the last axis, in double precision.
 *
 * <ul>
 *   <li>cosine per vector; 1 when both vectors are all zeros, 0 when exactly one is; a vector of the original
 *       whose largest magnitude is under {@value #NEGLIGIBLE} of its sample's largest (a background row of a sigmoid
 *       map, about 0 in both models: its direction is rounding noise) is left out of the cosines and counted
 *       ({@link #negligible()}), and still counts in every other metric;</li>
 *   <li>relative L2 error = sqrt(Σ err² / Σ ref²) over every compared element of every sample (the plain
 *       L2 error when the original is all zeros);</li>
 *   <li>SQNR = 10·log10(Σ ref² / Σ err²) dB, clamped to [-{@value #SQNR_CAP_DB}, {@value #SQNR_CAP_DB}] (so an
 *       exact match reports {@value #SQNR_CAP_DB} dB);</li>
 *   <li>for distributions: top-1 agreement (first index on ties) and mean KL(original ‖ compressed) of the
 *       softmax of each vector, or of the values themselves when they are already probabilities, with
 *       compressed probabilities floored at {@value #PROBABILITY_FLOOR}.</li>
 * </ul>
 * A value that is NaN or infinite in one model but not identically so in the other makes its vector's cosine 0
 * and saturates relative L2 and max abs error at {@link Double#MAX_VALUE} and SQNR at the lower clamp, so every
 * metric stays a finite JSON number. Not thread-safe.
 */
final class OutputComparison {

    static final double SQNR_CAP_DB = 200;
    static final double PROBABILITY_FLOOR = 1e-12;
    /** How far a vector's sum may be from 1 for it to count as a probability distribution. */
    private static final double PROBABILITY_SUM_TOLERANCE = 1e-3;
    /** Below this fraction of its sample's largest magnitude an original vector has no direction worth a cosine. */
    static final double NEGLIGIBLE = 1e-4;

    private final String name;
    private final boolean distribution;
    private final boolean probabilities;

    private long vectors;
    /** Vectors left out because the attention mask marks their position padding. */
    private long masked;
    private long cosines;
    private long negligible;
    private double cosineSum;
    private double cosineMin = 1;
    private double fallbackCosineSum;
    private double fallbackCosineMin = 1;
    private double sumSquaredReference;
    private double sumSquaredError;
    private double maxAbsError;
    private boolean nonFinite;
    private long top1Agreements;
    private double klSum;
    private final LogBins cosineLosses = new LogBins();
    private final LogBins kls = new LogBins();

    /**
     * @param distribution  compute top-1 agreement and KL divergence
     * @param probabilities the original's vectors are already probabilities: no softmax before KL
     */
    OutputComparison(String name, boolean distribution, boolean probabilities) {
        this.name = name;
        this.distribution = distribution;
        this.probabilities = probabilities;
    }

    /**
     * Per vector of an output shaped {@code [batch, sequence, …, length]}, whether the attention mask marks its position
     * real: the {@code keep} of {@link #add}.
     *
     * @param mask the {@code [batch, sequence]} attention mask fed to the model
     * @return null when the mask does not apply to the output (another shape, or fewer than three axes)
     */
    static boolean[] unmasked(long[] shape, NpyArray mask) {
        long[] maskShape = mask.shape();
        if (shape.length < 3 || maskShape.length != 2 || maskShape[0] != shape[0] || maskShape[1] != shape[1]) {
            return null;
        }
        long vectorsPerPosition = 1;
        for (int axis = 2; axis < shape.length - 1; axis++) {
            vectorsPerPosition *= shape[axis];
        }
        long[] positions = mask.toLongs();
        boolean[] keep = new boolean[Math.toIntExact(positions.length * vectorsPerPosition)];
        for (int vector = 0; vector < keep.length; vector++) {
            keep[vector] = positions[(int) (vector / vectorsPerPosition)] != 0;
        }
        return keep;
    }

    /**
     * Adds one sample's output.
     *
     * @param original   the original model's values, C order
     * @param compressed the compressed model's values, same length
     * @param length     the last axis' size: values form {@code original.length / length} vectors, length > 0
     * @param keep       nullable: per vector, false to leave it out (a masked position)
     */
    void add(float[] original, float[] compressed, int length, boolean[] keep) {
        if (original.length != compressed.length || original.length % length != 0) {
            throw new IllegalArgumentException("output " + name + ": " + original.length + " and "
                    + compressed.length + " values do not form vectors of " + length);
        }
        double largest = 0;
        for (float value : original) {
            if (Float.isFinite(value)) {
                largest = Math.max(largest, Math.abs(value));
            }
        }
        for (int vector = 0; vector < original.length / length; vector++) {
            if (keep == null || keep[vector]) {
                addVector(original, compressed, vector * length, length, largest * NEGLIGIBLE);
            } else {
                masked++;
            }
        }
    }

    long vectors() {
        return vectors;
    }

    /** Vectors left out of the cosines because the original's were negligible in their sample. */
    long negligible() {
        return negligible;
    }

    /**
     * The {@link #result}, or null when no vector was compared; either way {@code notes} receives a line when vectors
     * were masked out or the output was empty.
     *
     * @param maskInput nullable when no vector was masked: the attention mask's input, for the notes
     * @throws InvalidModelException when the mask left out every vector of every sample
     */
    OutputFidelity resultNoting(String maskInput, List<String> notes) {
        if (vectors == 0) {
            if (masked > 0) {
                throw new InvalidModelException(maskInput + " is 0 at every position of output '" + name
                        + "' in every sample: nothing to compare");
            }
            notes.add(notCompared(name));
            return null;
        }
        if (masked > 0) {
            notes.add("output '" + name + "': " + masked + " vectors at " + maskInput + " == 0 positions left out");
        }
        return result();
    }

    /** The note for an output with no values to compare. */
    static String notCompared(String name) {
        return "output '" + name + "' is empty: not compared";
    }

    /** @throws IllegalStateException when no vector was added */
    OutputFidelity result() {
        if (vectors == 0) {
            throw new IllegalStateException("no vectors compared for output " + name);
        }
        double relativeL2;
        double sqnr;
        if (nonFinite) {
            relativeL2 = Double.MAX_VALUE;
            sqnr = -SQNR_CAP_DB;
        } else {
            relativeL2 = Math.sqrt(sumSquaredReference > 0 ? sumSquaredError / sumSquaredReference : sumSquaredError);
            sqnr = sumSquaredError == 0 ? SQNR_CAP_DB
                    : sumSquaredReference == 0 ? -SQNR_CAP_DB
                    : Math.clamp(10 * Math.log10(sumSquaredReference / sumSquaredError), -SQNR_CAP_DB, SQNR_CAP_DB);
        }
        Double top1 = distribution ? (double) top1Agreements / vectors : null;
        Double kl = distribution ? saturate(klSum / vectors) : null;
        // every vector negligible: the cosines of all of them, rather than none
        return new OutputFidelity(name, cosines == 0 ? fallbackCosineSum / vectors : cosineSum / cosines,
                cosines == 0 ? fallbackCosineMin : cosineMin, saturate(relativeL2),
                nonFinite ? Double.MAX_VALUE : maxAbsError, sqnr, top1, kl, vectors, cosineLosses.result(),
                distribution ? kls.result() : null);
    }

    /** True when every vector of {@code values} is non-negative, at most 1 and sums to 1 within 1e-3. */
    static boolean looksLikeProbabilities(float[] values, int length) {
        for (int start = 0; start < values.length; start += length) {
            double sum = 0;
            for (int i = start; i < start + length; i++) {
                if (!(values[i] >= 0 && values[i] <= 1)) {
                    return false;
                }
                sum += values[i];
            }
            if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
                return false;
            }
        }
        return true;
    }

    private void addVector(float[] a, float[] b, int start, int length, double negligibleBelow) {
        double dot = 0;
        double largest = 0;
        double normA = 0;
        double normB = 0;
        boolean broken = false;
        for (int i = start; i < start + length; i++) {
            double x = a[i];
            double y = b[i];
            if (!Double.isFinite(x) || !Double.isFinite(y)) {
                if (Double.compare(x, y) != 0) {
                    broken = true;
                }
                continue;
            }
            double error = x - y;
            largest = Math.max(largest, Math.abs(x));
            dot += x * y;
            normA += x * x;
            normB += y * y;
            sumSquaredError += error * error;
            maxAbsError = Math.max(maxAbsError, Math.abs(error));
        }
        sumSquaredReference += normA;
        nonFinite |= broken;
        double cosine;
        if (broken) {
            cosine = 0;
        } else if (normA == 0 && normB == 0) {
            cosine = 1;
        } else if (normA == 0 || normB == 0) {
            cosine = 0;
        } else {
            cosine = Math.clamp(dot / Math.sqrt(normA * normB), -1, 1);
        }
        vectors++;
        fallbackCosineSum += cosine;
        fallbackCosineMin = Math.min(fallbackCosineMin, cosine);
        if (!broken && largest < negligibleBelow) {
            negligible++;
        } else {
            cosines++;
            cosineSum += cosine;
            cosineMin = Math.min(cosineMin, cosine);
            cosineLosses.add(1 - cosine);
        }
        if (distribution) {
            if (argmax(a, start, length) == argmax(b, start, length)) {
                top1Agreements++;
            }
            double kl = probabilities ? klOfProbabilities(a, b, start, length) : klOfLogits(a, b, start, length);
            klSum += kl;
            kls.add(kl);
        }
    }

    private static int argmax(float[] values, int start, int length) {
        int best = start;
        for (int i = start + 1; i < start + length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best - start;
    }

    private static double klOfProbabilities(float[] p, float[] q, int start, int length) {
        double kl = 0;
        for (int i = start; i < start + length; i++) {
            if (p[i] > 0) {
                kl += p[i] * (Math.log(p[i]) - Math.log(Math.max(q[i], PROBABILITY_FLOOR)));
            }
        }
        return Math.max(0, kl);
    }

    private static double klOfLogits(float[] a, float[] b, int start, int length) {
        double lseA = logSumExp(a, start, length);
        double lseB = logSumExp(b, start, length);
        double kl = 0;
        for (int i = start; i < start + length; i++) {
            double logP = a[i] - lseA;
            if (logP == Double.NEGATIVE_INFINITY) {
                continue;
            }
            double logQ = Math.max(b[i] - lseB, Math.log(PROBABILITY_FLOOR));
            kl += Math.exp(logP) * (logP - logQ);
        }
        return Math.max(0, kl);
    }

    private static double logSumExp(float[] values, int start, int length) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = start; i < start + length; i++) {
            max = Math.max(max, values[i]);
        }
        double sum = 0;
        for (int i = start; i < start + length; i++) {
            sum += Math.exp(values[i] - max);
        }
        return max + Math.log(sum);
    }

    private static double saturate(double value) {
        return Double.isFinite(value) ? value : Double.MAX_VALUE;
    }
}
