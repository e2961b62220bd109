package com.modelpress.engine.evaluation;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A text file as a model's own tokenizer sees it, in the two forms models take text: decoders read one token
 * stream cut into windows ({@link #stream()}, each window starting with {@link #prefix()}), encoders read one
 * sample per line ({@link #lines()}). Made by the tokenizer module; the engine only reads it.
 *
 * <p>Immutable: the arrays are copied in and out.
 *
 * @param file   the file's name as the user gave it, for the report
 * @param sha256 SHA-256 of the file's bytes, lowercase hex; texts with equal digests are the same text
 * @param stream the whole text as one sequence of token ids, without special tokens
 * @param prefix the special tokens the tokenizer puts before a text (a BOS token, {@code [CLS]}); may be empty
 * @param lines  each non-empty line with the tokenizer's special tokens, truncated to its maximum length
 */
public record TokenizedText(String file, String sha256, long[] stream, long[] prefix, List<long[]> lines) {

    public TokenizedText {
        Objects.requireNonNull(file, "file");
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits, was " + sha256);
        }
        stream = stream.clone();
        prefix = prefix.clone();
        lines = lines.stream().map(long[]::clone).toList();
    }

    @Override
    public long[] stream() {
        return stream.clone();
    }

    @Override
    public long[] prefix() {
        return prefix.clone();
    }

    @Override
    public List<long[]> lines() {
        return lines.stream().map(long[]::clone).toList();
    }

    /** Tokens of the stream, without copying it. */
    public int streamLength() {
        return stream.length;
    }

    /** {@code length} stream tokens from {@code offset}, after the prefix. */
    long[] window(int offset, int length) {
        long[] window = Arrays.copyOf(prefix, prefix.length + length);
        System.arraycopy(stream, offset, window, prefix.length, length);
        return window;
    }

    /** Tokens over all lines. */
    long lineTokens() {
        return lines.stream().mapToLong(line -> line.length).sum();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TokenizedText text && file.equals(text.file) && sha256.equals(text.sha256)
                && Arrays.equals(stream, text.stream) && Arrays.equals(prefix, text.prefix)
                && lines.size() == text.lines.size()
                && java.util.stream.IntStream.range(0, lines.size()).allMatch(i -> Arrays.equals(lines.get(i), text.lines.get(i)));
    }

    @Override
    public int hashCode() {
        return Objects.hash(file, sha256, Arrays.hashCode(stream));
    }

    @Override
    public String toString() {
        return "TokenizedText[" + file + ", sha256=" + sha256 + ", " + stream.length + " tokens, " + lines.size() + " lines]";
    }
}
