package com.modelpress.engine.int4;

/**
 * A weight matrix in {@code MatMulNBits} layout (bits = 2, 4 or 8): for output column {@code n}, the K values are cut
 * into blocks of {@code blockSize}; each block stores {@code blockSize · bits / 8} bytes, element {@code j} in the bits
 * starting at bit {@code j · bits} (low bits first: two 4-bit codes, four 2-bit codes per byte), a float scale and
 * (asymmetric) a zero point of {@code bits} bits, packed the same way, each column's zero points starting on a new byte.
 * A value decodes as {@code (q - zeroPoint) × scale}; without zero points the zero point is {@code 2^(bits-1)}.
 *
 * @param n          output columns
 * @param k          reduction length
 * @param blockSize  16, 32, 64 or 128
 * @param packed     {@code [n][blocks][blockSize · bits / 8]}
 * @param scales     {@code [n][blocks]}
 * @param zeroPoints {@code [n][ceil(blocks · bits / 8)]}; null when symmetric
 * @param bits       2, 4 or 8
 */
public record MatMulNBitsWeights(int n, int k, int blockSize, byte[] packed, float[] scales, byte[] zeroPoints, int bits) {

    /** A 4-bit matrix. */
    public MatMulNBitsWeights(int n, int k, int blockSize, byte[] packed, float[] scales, byte[] zeroPoints) {
        this(n, k, blockSize, packed, scales, zeroPoints, 4);
    }

    public int blocks() {
        return blocksFor(k, blockSize);
    }

    static int blocksFor(int k, int blockSize) {
        return (k + blockSize - 1) / blockSize;
    }

    /** Bytes of zero points per column: {@code ceil(blocks · bits / 8)}. */
    static int zeroPointBytes(int blocks, int bits) {
        return (blocks * bits + 7) / 8;
    }

    /** The code of element {@code (kk, col)} of the original {@code [k, n]} matrix. */
    public int code(int kk, int col) {
        int block = kk / blockSize;
        int within = kk % blockSize;
        return read(packed, (col * blocks() + block) * (blockSize * bits / 8), within, bits);
    }

    public int zeroPoint(int kk, int col) {
        if (zeroPoints == null) {
            return 1 << (bits - 1);
        }
        return read(zeroPoints, col * zeroPointBytes(blocks(), bits), kk / blockSize, bits);
    }

    public float scale(int kk, int col) {
        return scales[col * blocks() + kk / blockSize];
    }

    /** The {@code index}-th {@code bits}-bit field of the bytes starting at {@code base}, low bits first. */
    static int read(byte[] bytes, int base, int index, int bits) {
        int bit = index * bits;
        return ((bytes[base + bit / 8] & 0xff) >>> (bit % 8)) & ((1 << bits) - 1);
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
