package com.modelpress.engine.quant;

/**
 * Calibration statistics of the patches a convolution reads, per convolution group: what error-compensating rounding of
 * its kernel needs (computed by the evaluation package, handed to the passes as plain numbers).
 *
 * @param groups   convolution groups {@code g}
 * @param features values per patch: input channels per group × kernel taps ({@code K})
 * @param xtx      {@code g} row-major {@code [K, K]} sums of {@code pᵀp}, one after the other
 * @param sums     {@code g × K} column sums of the patches
 * @param rows     patches summed per group
 */
public record PatchMoments(int groups, int features, double[] xtx, double[] sums, long rows) {}
