package com.modelpress.tokenizer;

/**
 * Token ids of several texts padded to the longest one, laid out row-major as {@code [size, sequenceLength]}
 * int64 tensors. The arrays are owned by the batch: callers read them and never modify them.
 *
 * @param size           number of texts
 * @param sequenceLength tokens per row, special tokens and padding included
 * @param inputIds       vocabulary ids, padding id after each text's {@code [SEP]}
 * @param attentionMask  1 for a real token, 0 for padding
 * @param tokenTypeIds   all 0 (single-segment input)
 */
public record TokenBatch(int size, int sequenceLength, long[] inputIds, long[] attentionMask, long[] tokenTypeIds) {

    public TokenBatch {
        int cells = Math.multiplyExact(size, sequenceLength);
        if (inputIds.length != cells || attentionMask.length != cells || tokenTypeIds.length != cells) {
            throw new IllegalArgumentException("arrays must hold " + size + " x " + sequenceLength + " = " + cells
                    + " values, were " + inputIds.length + ", " + attentionMask.length + ", "
                    + tokenTypeIds.length);
        }
    }

    /** @return the tensor shape {@code {size, sequenceLength}} */
    public long[] shape() {
        return new long[] {size, sequenceLength};
    }
}
