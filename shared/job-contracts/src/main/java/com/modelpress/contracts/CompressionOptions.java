package com.modelpress.contracts;

import java.util.List;

/**
 * Options that tune a compression method. Every field is nullable: {@code null} means the method's default.
 *
 * @param blockSize    block length along the reduction axis for 4-bit methods (16, 32, 64 or 128; default 32)
 * @param symmetric    4-bit without zero points (default {@code false}: asymmetric with zero points)
 * @param excludeNodes node or tensor names to leave untouched
 * @param minElements  tensors with fewer elements are left as they are (default 1024)
 * @param rounding     how 4-bit codes are chosen: {@code gptq} (default: error-compensating, calibrated; plain
 *                     search without calibration), {@code aware} (block search weighted by calibration activation
 *                     energy), {@code search} (block search, no calibration), {@code rtn} (min/max round to nearest,
 *                     the baseline)
 * @param head         {@code int4}: precision of a language model's head (the matrix producing its logits, tied to the
 *                     embedding table or not): {@code measured} (default: scored at int4, int8 and kept, the smallest
 *                     not clearly more sensitive per byte than the rest), {@code int4}, {@code int8} or {@code kept}
 * @param keepNames    keep the graph's node names and the names of the values its nodes compute (default {@code false}:
 *                     node names are dropped and computed values get short names, which on small models is a real share
 *                     of the file; inputs, outputs and initializers always keep their names)
 */
public record CompressionOptions(Integer blockSize, Boolean symmetric, List<String> excludeNodes, Long minElements,
                                 String rounding, String head, Boolean keepNames) {

    public static final int DEFAULT_BLOCK_SIZE = 32;
    public static final long DEFAULT_MIN_ELEMENTS = 1024;
    public static final List<String> ROUNDINGS = List.of("gptq", "aware", "search", "rtn");
    public static final String DEFAULT_ROUNDING = "gptq";
    public static final List<String> HEADS = List.of("measured", "int4", "int8", "kept");
    public static final String DEFAULT_HEAD = "measured";

    public CompressionOptions {
        excludeNodes = excludeNodes == null ? List.of() : List.copyOf(excludeNodes);
    }

    /** Options that shorten the graph's names. */
    public CompressionOptions(Integer blockSize, Boolean symmetric, List<String> excludeNodes, Long minElements,
                              String rounding, String head) {
        this(blockSize, symmetric, excludeNodes, minElements, rounding, head, null);
    }

    /** Options with the default rounding. */
    public CompressionOptions(Integer blockSize, Boolean symmetric, List<String> excludeNodes, Long minElements) {
        this(blockSize, symmetric, excludeNodes, minElements, null);
    }

    /** Options with the default head precision. */
    public CompressionOptions(Integer blockSize, Boolean symmetric, List<String> excludeNodes, Long minElements,
                              String rounding) {
        this(blockSize, symmetric, excludeNodes, minElements, rounding, null);
    }

    public static CompressionOptions defaults() {
        return new CompressionOptions(null, null, List.of(), null);
    }

    public int blockSizeOrDefault() {
        return blockSize == null ? DEFAULT_BLOCK_SIZE : blockSize;
    }

    public boolean symmetricOrDefault() {
        return symmetric != null && symmetric;
    }

    public String roundingOrDefault() {
        return rounding == null ? DEFAULT_ROUNDING : rounding;
    }

    /** True when the rounding in force uses calibration activations ({@code gptq}, {@code aware}). */
    public boolean roundingUsesCalibration() {
        String mode = roundingOrDefault();
        return mode.equals("gptq") || mode.equals("aware");
    }

    public String headOrDefault() {
        return head == null ? DEFAULT_HEAD : head;
    }

    public boolean keepNamesOrDefault() {
        return keepNames != null && keepNames;
    }

    /** These options with the graph's names kept ({@code true}) or shortened ({@code null}: the default). */
    public CompressionOptions withKeepNames(boolean keep) {
        return new CompressionOptions(blockSize, symmetric, excludeNodes, minElements, rounding, head,
                keep ? Boolean.TRUE : null);
    }

    public long minElementsOrDefault() {
        return minElements == null ? DEFAULT_MIN_ELEMENTS : minElements;
    }
}
