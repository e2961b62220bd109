package com.modelpress.engine.int4;

/**
 * Collects 4-bit codes block by block into {@link MatMulNBitsWeights} layout. Blocks of different columns may be
 * written from different threads; the blocks of one column must be written by one thread (they share
 * zero-point bytes).
 */
final class PackedMatrix {

    private final int n;
    private final int k;
    private final int blockSize;
    private final int blocks;
    private final int zpPerRow;
    private final byte[] packed;
    private final float[] scales;
    private final byte[] zeroPoints;

    PackedMatrix(int k, int n, int blockSize, boolean symmetric) {
        this.n = n;
        this.k = k;
        this.blockSize = blockSize;
        this.blocks = MatMulNBitsWeights.blocksFor(k, blockSize);
        this.zpPerRow = (blocks + 1) / 2;
        this.packed = new byte[n * blocks * blockSize / 2];
        this.scales = new float[n * blocks];
        this.zeroPoints = symmetric ? null : new byte[n * zpPerRow];
    }

    /** Stores one block of column {@code col}: {@code codes[j]} for its {@code blockSize} rows (padding included). */
    void put(int col, int block, BlockQuantizer.BlockCode code, int[] codes) {
        int base = (col * blocks + block) * (blockSize / 2);
        for (int j = 0; j < blockSize; j += 2) {
            packed[base + j / 2] = (byte) (codes[j] | (codes[j + 1] << 4));
        }
        scales[col * blocks + block] = code.scale();
        if (zeroPoints != null) {
            int index = col * zpPerRow + block / 2;
            zeroPoints[index] = (byte) (block % 2 == 0
                    ? (zeroPoints[index] & 0xf0) | code.zeroPoint()
                    : (zeroPoints[index] & 0x0f) | (code.zeroPoint() << 4));
        }
    }

    MatMulNBitsWeights build() {
        return new MatMulNBitsWeights(n, k, blockSize, packed, scales, zeroPoints);
    }
}
