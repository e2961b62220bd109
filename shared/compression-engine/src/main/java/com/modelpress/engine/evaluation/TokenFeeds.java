package com.modelpress.engine.evaluation;

import com.modelpress.engine.UnsupportedModelException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The inputs of a language model for one sequence of token ids, batch of one: what a prefill with an empty KV
 * cache needs, and what one decode step needs besides the cache itself.
 *
 * <p>By input: the token-id input gets the tokens; inputs named like {@code mask} get ones over past and current
 * tokens; {@code position} inputs count {@code past … past+S−1}; KV-cache inputs are empty
 * ({@code [1, kvHeads, 0, headDim]} in the cache's dtype); {@code seqlens_k} is the total length minus one and
 * {@code total_sequence_length} the total length (the inputs onnxruntime-genai's {@code GroupQueryAttention} graphs
 * may expose); names containing {@code type} or {@code segment} are zeros. Any other integer input is zeros and
 * any other float input is refused in a prefill: the engine does not know what it means. Thread-safe: no state.
 */
final class TokenFeeds {

    private TokenFeeds() {
    }

    /** The kind of value an input of a language model takes. */
    enum Role { TOKENS, MASK, POSITIONS, CACHE, SEQLENS_K, TOTAL_LENGTH, TOKEN_TYPES, OTHER_INTEGER, OTHER_FLOAT }

    static Role role(InputSpec input, ModelStructure structure) {
        String name = input.name().toLowerCase(Locale.ROOT);
        if (input.name().equals(structure.tokenInput())) {
            return Role.TOKENS;
        }
        if (structure.cache().stream().anyMatch(pair -> pair.past().equals(input.name()))) {
            return Role.CACHE;
        }
        if (input.isFloat()) {
            return Role.OTHER_FLOAT;
        }
        if (name.contains("seqlens")) {
            return Role.SEQLENS_K;
        }
        if (name.contains("total_sequence_length") || name.contains("total_seq_len")) {
            return Role.TOTAL_LENGTH;
        }
        if (name.contains("mask")) {
            return Role.MASK;
        }
        if (name.contains("position")) {
            return Role.POSITIONS;
        }
        if (name.contains("type") || name.contains("segment")) {
            return Role.TOKEN_TYPES;
        }
        return Role.OTHER_INTEGER;
    }

    /**
     * Inputs for {@code tokens} after {@code past} cached tokens; cache inputs are left out unless {@code past} is 0,
     * when they are empty.
     *
     * @throws UnsupportedModelException when an input cannot be filled (see the class comment)
     */
    static Map<String, NpyArray> feeds(List<InputSpec> inputs, ModelStructure structure, long[] tokens, int past) {
        return feeds(inputs, structure, new long[][] {tokens}, past);
    }

    /**
     * Inputs for a batch of token rows of equal length after {@code past} cached tokens each (see
     * {@link #feeds(List, ModelStructure, long[], int)}).
     */
    static Map<String, NpyArray> feeds(List<InputSpec> inputs, ModelStructure structure, long[][] rows, int past) {
        int batch = rows.length;
        int length = rows[0].length;
        int total = past + length;
        Map<String, NpyArray> feeds = new LinkedHashMap<>();
        for (InputSpec input : inputs) {
            Role role = role(input, structure);
            switch (role) {
                case TOKENS -> {
                    long[] tokens = new long[batch * length];
                    for (int b = 0; b < batch; b++) {
                        if (rows[b].length != length) {
                            throw new IllegalArgumentException("rows of a batch must be equally long");
                        }
                        System.arraycopy(rows[b], 0, tokens, b * length, length);
                    }
                    feeds.put(input.name(), NpyArray.ofLongs(tokens, batch, length));
                }
                case MASK -> {
                    long[] ones = new long[batch * total];
                    Arrays.fill(ones, 1);
                    feeds.put(input.name(), NpyArray.ofLongs(ones, batch, total));
                }
                case POSITIONS -> {
                    long[] positions = new long[batch * length];
                    for (int i = 0; i < positions.length; i++) {
                        positions[i] = past + i % length;
                    }
                    feeds.put(input.name(), NpyArray.ofLongs(positions, batch, length));
                }
                case CACHE -> {
                    if (past == 0) {
                        long[] shape = emptyCacheShape(input, structure);
                        shape[shape.length == 5 ? 1 : 0] = batch;
                        feeds.put(input.name(), NpyArray.ofFloats(new float[0], shape));
                    }
                }
                case SEQLENS_K -> {
                    long[] lengths = new long[input.rank() == 0 ? 1 : batch];
                    Arrays.fill(lengths, total - 1);
                    feeds.put(input.name(), NpyArray.ofLongs(lengths, input.rank() == 0 ? new long[0]
                            : new long[] {lengths.length}));
                }
                case TOTAL_LENGTH -> feeds.put(input.name(), NpyArray.ofLongs(new long[] {total}, scalarShape(input)));
                case TOKEN_TYPES -> feeds.put(input.name(), NpyArray.ofLongs(new long[batch * length], batch, length));
                case OTHER_INTEGER -> {
                    long[] shape = input.shape();
                    for (int axis = 0; axis < shape.length; axis++) {
                        shape[axis] = shape[axis] >= 0 ? shape[axis] : axis == 0 ? batch : axis == 1 ? length : 1;
                    }
                    feeds.put(input.name(), NpyArray.ofLongs(new long[Math.toIntExact(
                            Arrays.stream(shape).reduce(1, Math::multiplyExact))], shape));
                }
                case OTHER_FLOAT -> {
                    // decode steps carry it over from the prefill; a prefill cannot make it up
                    if (past == 0) {
                        throw new UnsupportedModelException("float input '" + input.name() + "' of a language model is "
                                + "neither a KV-cache input nor anything else the engine can fill; pass samples with --inputs");
                    }
                }
            }
        }
        return feeds;
    }

    /** How each input is filled, for the report: one line per input, the KV-cache inputs in one line. */
    static List<String> describe(List<InputSpec> inputs, ModelStructure structure, String tokens, int length) {
        List<String> lines = new ArrayList<>();
        List<InputSpec> cache = new ArrayList<>();
        for (InputSpec input : inputs) {
            Role role = role(input, structure);
            if (role == Role.CACHE) {
                cache.add(input);
                continue;
            }
            String how = switch (role) {
                case TOKENS -> "[1," + length + "]: " + tokens;
                case MASK -> "[1," + length + "]: ones over the window (past length 0)";
                case POSITIONS -> "[1," + length + "]: 0.." + (length - 1);
                case SEQLENS_K -> Arrays.toString(batchShape(input)).replace(" ", "") + ": " + (length - 1)
                        + " (total length - 1)";
                case TOTAL_LENGTH -> Arrays.toString(scalarShape(input)).replace(" ", "") + ": " + length;
                case TOKEN_TYPES -> "[1," + length + "]: zeros";
                case OTHER_INTEGER -> "zeros (integer input of unknown meaning)";
                case OTHER_FLOAT -> "from the samples (float input of unknown meaning)";
                case CACHE -> throw new IllegalStateException("cache inputs are described together");
            };
            lines.add(input.name() + " " + input.typeName() + " " + how);
        }
        if (!cache.isEmpty()) {
            Set<String> types = cache.stream().map(InputSpec::typeName).collect(Collectors.toCollection(java.util.TreeSet::new));
            lines.add("%d KV-cache inputs (%s … %s) %s %s: empty, past length 0".formatted(cache.size(),
                    cache.getFirst().name(), cache.getLast().name(), String.join("/", types),
                    Arrays.toString(emptyCacheShape(cache.getFirst(), structure)).replace(" ", "")));
        }
        return lines;
    }

    /** {@code [1, kvHeads, 0, headDim]}: the input's fixed sizes, batch 1, and 0 on the past-sequence axis. */
    static long[] emptyCacheShape(InputSpec input, ModelStructure structure) {
        long[] shape = input.shape();
        String[] names = input.dimNames();
        int rank = shape.length;
        // [batch, heads, past, headDim] or, fused, [2, batch, heads, past, headDim]
        int batchAxis = rank == 5 ? 1 : 0;
        int pastAxis = rank - 2;
        for (int axis = 0; axis < rank; axis++) {
            String name = axis < names.length ? names[axis].toLowerCase(Locale.ROOT) : "";
            if (axis == pastAxis || name.contains("past") || name.contains("seq")) {
                shape[axis] = 0;
            } else if (shape[axis] >= 0) {
                continue;
            } else if (axis == batchAxis || name.contains("batch")) {
                shape[axis] = 1;
            } else if (axis == pastAxis - 1 && structure.kvHeads() != null) {
                shape[axis] = structure.kvHeads();
            } else if (axis == rank - 1 && structure.headDim() != null) {
                shape[axis] = structure.headDim();
            } else {
                throw new UnsupportedModelException("KV-cache input '" + input.name() + "' has a symbolic dimension "
                        + (axis < names.length && !names[axis].isEmpty() ? "'" + names[axis] + "' " : "") + "at axis "
                        + axis + " that the graph does not size; pass samples with --inputs");
            }
        }
        return shape;
    }

    private static long[] batchShape(InputSpec input) {
        return input.rank() == 0 ? new long[0] : new long[] {1};
    }

    private static long[] scalarShape(InputSpec input) {
        return input.rank() == 0 ? new long[0] : new long[] {1};
    }
}
