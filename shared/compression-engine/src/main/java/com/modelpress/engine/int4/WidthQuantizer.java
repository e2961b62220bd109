package com.modelpress.engine.int4;

import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.NBitsEncodings;

import java.util.List;
import java.util.function.Function;

/**
 * One {@code [K, N]} matrix quantized at any of the widths {@code MatMulNBits} takes (2, 4 or 8 bits) and any block
 * size, always with GPTQ's error compensation ({@link Gptq}): with the calibration {@code XᵀX} of the activation the
 * matrix multiplies, or, for lookup tables (which multiply nothing), with the identity, where GPTQ reduces to its
 * per-block scale search. The Hessian is factored once, on first use, and reused for every width and block size.
 *
 * <p>Not thread-safe (the factor is cached); one instance per matrix.
 */
public final class WidthQuantizer {

    private final int k;
    private final double[] moments;
    private final MatrixProducts products;
    private Gptq.Factor factor;

    /**
     * @param moments nullable: row-major {@code [k, k]} {@code XᵀX}; null for the identity (no calibration data)
     */
    public WidthQuantizer(int k, double[] moments, MatrixProducts products) {
        if (moments != null && moments.length != (long) k * k) {
            throw new IllegalArgumentException("moments of %d values for k = %d".formatted(moments.length, k));
        }
        this.k = k;
        this.moments = moments;
        this.products = products;
    }

    /** True when GPTQ compensates with calibration activations (not the identity). */
    public boolean calibrated() {
        return moments != null;
    }

    /**
     * @param w         row-major {@code [k, n]}, not modified
     * @param bits      2, 4 or 8; 2 and 4 bits store a zero point per block, 8 bits is symmetric (the kernels'
     *                  default zero point 128)
     * @param scaleType the ONNX float type scales are stored in
     * @param decoded   receives the dequantized {@code [k, n]} matrix
     */
    public NBitsEncodings.Packed quantize(float[] w, int n, int bits, int blockSize, int scaleType, float[] decoded) {
        return quantize(w, n, bits, blockSize, bits == 8, scaleType, decoded);
    }

    /**
     * As {@link #quantize(float[], int, int, int, int, float[])}, with {@code symmetric} choosing no zero points (the
     * kernels' default {@code 2^(bits-1)}) at 2 and 4 bits too; 8 bits is always symmetric.
     */
    public NBitsEncodings.Packed quantize(float[] w, int n, int bits, int blockSize, boolean symmetric, int scaleType,
                                          float[] decoded) {
        if (factor == null) {
            factor = Gptq.factor(moments != null ? moments : identity(k), k, products);
        }
        MatMulNBitsWeights packed = Gptq.quantize(w, k, n, blockSize, symmetric || bits == 8, factor, scaleType, decoded,
                products, bits);
        return new NBitsEncodings.Packed(bits, blockSize, k, n, packed.packed(), packed.scales(), packed.zeroPoints(),
                scaleType);
    }

    /**
     * The calibration moments of the activation input of {@code weight}'s products (the array itself when there is one
     * input, so weights sharing it share its factorization), their sum for several, or null when any is missing. A tied
     * table's row lookups read no activation: only its products count.
     *
     * @param moments {@code XᵀX} by activation name; null when absent
     */
    public static double[] activationMoments(Weight weight, int k, Function<String, double[]> moments) {
        List<String> activations = weight.uses().stream().filter(u -> !MatMulWeights.isTableGather(u))
                .map(u -> u.node().getInput(0)).distinct().toList();
        double[] sum = null;
        for (String input : activations) {
            double[] found = moments.apply(input);
            if (found == null || found.length != (long) k * k) {
                return null;
            }
            if (activations.size() == 1) {
                return found;
            }
            if (sum == null) {
                sum = found.clone();
            } else {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += found[i];
                }
            }
        }
        return sum;
    }

    private static double[] identity(int k) {
        double[] identity = new double[Math.multiplyExact(k, k)];
        for (int i = 0; i < k; i++) {
            identity[i * k + i] = 1;
        }
        return identity;
    }
}
