package com.modelpress.engine.int4;

/**
 * A weight matrix in {@code MatMulNBits} layout (bits = 4): for output column {@code n}, the K values are cut
 * into blocks of {@code blockSize}; each block stores {@code blockSize / 2} bytes with the even element in
 * the low nibble, a float scale and (asymmetric) a 4-bit zero point, two per byte, low nibble first.
 * A value decodes as {@code (q - zeroPoint) × scale}; without zero points the zero point is 8.
 *
 * @param n          output columns
 * @param k          reduction length
 * @param blockSize  16, 32, 64 or 128
 * @param packed     {@code [n][blocks][blockSize / 2]}
 * @param scales     {@code [n][blocks]}
 * @param zeroPoints {@code [n][ceil(blocks / 2)]}; null when symmetric
 */
public record MatMulNBitsWeights(int n, int k, int blockSize, byte[] packed, float[] scales, byte[] zeroPoints) {

    public int blocks() {
        return blocksFor(k, blockSize);
    }

    static int blocksFor(int k, int blockSize) {
        return (k + blockSize - 1) / blockSize;
    }

    /** The 4-bit code of element {@code (kk, col)} of the original {@code [k, n]} matrix. */
    public int code(int kk, int col) {
        int block = kk / blockSize;
        int within = kk % blockSize;
        int b = packed[(col * blocks() + block) * (blockSize / 2) + within / 2] & 0xff;
        return within % 2 == 0 ? b & 0x0f : b >>> 4;
    }

    public int zeroPoint(int kk, int col) {
        if (zeroPoints == null) {
            return 8;
        }
        int block = kk / blockSize;
        int perRow = (blocks() + 1) / 2;
        int b = zeroPoints[col * perRow + block / 2] & 0xff;
        return block % 2 == 0 ? b & 0x0f : b >>> 4;
    }

    public float scale(int kk, int col) {
        return scales[col * blocks() + kk / blockSize];
    }

    /** Reference dequantization straight from the packed bytes: the {@code [k, n]} matrix, row-major. */
    public float[] dequantize() {
        float[] out = new float[k * n];
        for (int kk = 0; kk < k; kk++) {
            for (int col = 0; col < n; col++) {
                out[kk * n + col] = (code(kk, col) - zeroPoint(kk, col)) * scale(kk, col);
            }
        }
        return out;
    }
}
