package com.modelpress.engine.int4;

/**
 * Collects codes of {@code bits} bits block by block into {@link MatMulNBitsWeights} layout. Blocks of different
 * columns may be written from different threads; the blocks of one column must be written by one thread (they share
 * zero-point bytes).
 */
final class PackedMatrix {

    private final int n;
    private final int k;
    private final int blockSize;
    private final int bits;
    private final int blocks;
    private final int blob;
    private final int zpPerRow;
    private final byte[] packed;
    private final float[] scales;
    private final byte[] zeroPoints;

    PackedMatrix(int k, int n, int blockSize, boolean symmetric) {
        this(k, n, blockSize, symmetric, 4);
    }

    /** @param bits 2, 4 or 8 */
    PackedMatrix(int k, int n, int blockSize, boolean symmetric, int bits) {
        this.n = n;
        this.k = k;
        this.blockSize = blockSize;
        this.bits = bits;
        this.blocks = MatMulNBitsWeights.blocksFor(k, blockSize);
        this.blob = blockSize * bits / 8;
        this.zpPerRow = MatMulNBitsWeights.zeroPointBytes(blocks, bits);
        this.packed = new byte[Math.multiplyExact(n, blocks * blob)];
        this.scales = new float[n * blocks];
        this.zeroPoints = symmetric ? null : new byte[n * zpPerRow];
    }

    /** Stores one block of column {@code col}: {@code codes[j]} for its {@code blockSize} rows (padding included). */
    void put(int col, int block, BlockQuantizer.BlockCode code, int[] codes) {
        int base = (col * blocks + block) * blob;
        if (bits == 8) {
            for (int j = 0; j < blockSize; j++) {
                packed[base + j] = (byte) codes[j];
            }
        } else {
            int perByte = 8 / bits;
            for (int j = 0; j < blockSize; j += perByte) {
                int b = 0;
                for (int u = 0; u < perByte; u++) {
                    b |= codes[j + u] << (u * bits);
                }
                packed[base + j / perByte] = (byte) b;
            }
        }
        scales[col * blocks + block] = code.scale();
        if (zeroPoints != null) {
            int bit = block * bits;
            int index = col * zpPerRow + bit / 8;
            int shift = bit % 8;
            int mask = ((1 << bits) - 1) << shift;
            zeroPoints[index] = (byte) ((zeroPoints[index] & ~mask) | (code.zeroPoint() << shift));
        }
    }

    MatMulNBitsWeights build() {
        return new MatMulNBitsWeights(n, k, blockSize, packed, scales, zeroPoints, bits);
    }
}
