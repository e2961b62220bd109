package com.modelpress.engine.evaluation;

import ai.onnxruntime.OnnxJavaType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;

/**
 * Builds evaluation samples from a model's input signature, the same for the same seed.
 *
 * <p>Values, by input: integer inputs whose name contains {@code mask} are ones; {@code position_ids} (any
 * integer input whose name contains {@code position}) count 0..n-1 along the last axis; names containing
 * {@code type} or {@code segment} are zeros; names containing {@code ids} or equal to {@code input} or
 * {@code tokens} are token ids uniform in [0, vocab), vocab read from the embedding {@code Gather} the input
 * feeds ({@link GraphFacts}) or {@value #FALLBACK_VOCABULARY} when none is found; other integers are zeros;
 * bools are true; floats of every width are N(0, 1).
 *
 * <p>Symbolic or unknown dimensions get one value per dimension name across all inputs. By name: containing
 * {@code seq}, {@code len} or {@code token} → {@value #SEQUENCE_LENGTH}; {@code height} or {@code width} →
 * {@value #IMAGE_SIZE}; {@code batch} or {@code N} → 1. Otherwise by position: the second dimension of a
 * per-token integer input (ids, mask, type, position) → {@value #SEQUENCE_LENGTH}, the last two dimensions of
 * a rank-4 float input (NCHW images) → {@value #IMAGE_SIZE}, anything else (the batch first of all) → 1.
 *
 * <p>A decoder LM ({@link ModelStructure#isDecoder()}) gets prefill windows instead: {@value #SEQUENCE_LENGTH} token
 * ids uniform in [0, vocab) with an empty KV cache and inputs to match ({@link TokenFeeds}), so that the mask, the
 * positions and the cache agree.
 */
final class SyntheticInputs {

    static final int SEQUENCE_LENGTH = 32;
    static final long FALLBACK_VOCABULARY = 1000;
    static final int IMAGE_SIZE = 224;

    private enum Kind { TOKEN_IDS, MASK, TOKEN_TYPES, POSITIONS, OTHER_INTEGER, BOOL, FLOAT }

    private SyntheticInputs() {
    }

    /** @param count number of samples, at least 1 */
    static Samples synthesise(List<InputSpec> inputs, GraphFacts facts, int count, long seed) {
        if (facts.structure().isDecoder()) {
            return decoderWindows(inputs, facts, count, seed);
        }
        Map<String, Long> namedDims = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        List<String> description = new ArrayList<>();
        for (InputSpec input : inputs) {
            Kind kind = kind(input);
            long[] shape = shape(input, kind, namedDims);
            shapes.put(input.name(), shape);
            description.add(input.name() + " " + input.typeName() + " " + Arrays.toString(shape).replace(" ", "")
                    + ": " + describe(input, kind, facts));
        }
        if (!namedDims.isEmpty()) {
            StringJoiner dims = new StringJoiner(", ", "symbolic dimensions: ", "");
            namedDims.forEach((name, value) -> dims.add(name + "=" + value));
            description.add(dims.toString());
        }

        List<Sample> samples = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            Random random = new Random(seed * 0x9E3779B97F4A7C15L + index);
            Map<String, NpyArray> values = new LinkedHashMap<>();
            for (InputSpec input : inputs) {
                long[] shape = shapes.get(input.name());
                values.put(input.name(), values(kind(input), shape, vocabulary(input, facts), random));
            }
            samples.add(new Sample("synthesised-" + index, values));
        }
        return new Samples(samples, "synthesised", description);
    }

    private static Samples decoderWindows(List<InputSpec> inputs, GraphFacts facts, int count, long seed) {
        ModelStructure structure = facts.structure();
        long vocabulary = structure.vocabulary() == null ? FALLBACK_VOCABULARY : structure.vocabulary();
        List<Sample> samples = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            Random random = new Random(seed * 0x9E3779B97F4A7C15L + index);
            long[] tokens = new long[SEQUENCE_LENGTH];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextLong(vocabulary);
            }
            samples.add(new Sample("synthesised-" + index, TokenFeeds.feeds(inputs, structure, tokens, 0)));
        }
        String tokens = "token ids uniform in [0, %d) (vocab from %s)".formatted(vocabulary,
                structure.vocabulary() == null ? "nowhere: assumed" : "Gather '"
                        + facts.vocabularies().get(structure.tokenInput()).table() + "'");
        return new Samples(samples, "synthesised", TokenFeeds.describe(inputs, structure, tokens, SEQUENCE_LENGTH));
    }

    private static Kind kind(InputSpec input) {
        if (input.isFloat()) {
            return Kind.FLOAT;
        }
        if (input.type() == OnnxJavaType.BOOL) {
            return Kind.BOOL;
        }
        String name = input.name().toLowerCase(Locale.ROOT);
        if (name.contains("mask")) {
            return Kind.MASK;
        }
        if (name.contains("position")) {
            return Kind.POSITIONS;
        }
        if (name.contains("type") || name.contains("segment")) {
            return Kind.TOKEN_TYPES;
        }
        if (name.contains("ids") || name.equals("input") || name.equals("tokens")) {
            return Kind.TOKEN_IDS;
        }
        return Kind.OTHER_INTEGER;
    }

    private static long[] shape(InputSpec input, Kind kind, Map<String, Long> namedDims) {
        long[] shape = input.shape();
        String[] names = input.dimNames();
        for (int axis = 0; axis < shape.length; axis++) {
            if (shape[axis] >= 0) {
                continue;
            }
            String name = axis < names.length ? names[axis] : "";
            long size = name.isEmpty() ? 0 : namedDims.getOrDefault(name, 0L);
            if (size == 0) {
                size = sizeByName(name);
            }
            if (size == 0) {
                size = sizeByPosition(kind, axis, shape.length);
            }
            if (!name.isEmpty()) {
                namedDims.putIfAbsent(name, size);
            }
            shape[axis] = size;
        }
        return shape;
    }

    /** 0 when the name says nothing. */
    private static long sizeByName(String dimName) {
        String name = dimName.toLowerCase(Locale.ROOT);
        if (name.contains("seq") || name.contains("len") || name.contains("token")) {
            return SEQUENCE_LENGTH;
        }
        if (name.contains("height") || name.contains("width")) {
            return IMAGE_SIZE;
        }
        return name.contains("batch") || name.equals("n") ? 1 : 0;
    }

    private static long sizeByPosition(Kind kind, int axis, int rank) {
        return switch (kind) {
            case TOKEN_IDS, MASK, TOKEN_TYPES, POSITIONS -> axis == 1 ? SEQUENCE_LENGTH : 1;
            case FLOAT -> rank == 4 && axis >= 2 ? IMAGE_SIZE : 1;
            case OTHER_INTEGER, BOOL -> 1;
        };
    }

    private static long vocabulary(InputSpec input, GraphFacts facts) {
        GraphFacts.Vocabulary vocabulary = facts.vocabularies().get(input.name());
        return vocabulary == null ? FALLBACK_VOCABULARY : vocabulary.size();
    }

    private static String describe(InputSpec input, Kind kind, GraphFacts facts) {
        return switch (kind) {
            case TOKEN_IDS -> {
                GraphFacts.Vocabulary vocabulary = facts.vocabularies().get(input.name());
                yield vocabulary == null
                        ? "token ids uniform in [0, " + FALLBACK_VOCABULARY + ") (no embedding Gather found for "
                                + "this input: vocab assumed)"
                        : "token ids uniform in [0, " + vocabulary.size() + ") (vocab from Gather '"
                                + vocabulary.table() + "')";
            }
            case MASK -> "ones (attend to every position)";
            case TOKEN_TYPES -> "zeros";
            case POSITIONS -> "0..n-1 along the last axis";
            case OTHER_INTEGER -> "zeros (integer input of unknown meaning)";
            case BOOL -> "true";
            case FLOAT -> "N(0, 1), seeded";
        };
    }

    private static NpyArray values(Kind kind, long[] shape, long vocabulary, Random random) {
        int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        return switch (kind) {
            case FLOAT -> {
                float[] values = new float[count];
                for (int i = 0; i < count; i++) {
                    values[i] = (float) random.nextGaussian();
                }
                yield NpyArray.ofFloats(values, shape);
            }
            case BOOL -> {
                boolean[] values = new boolean[count];
                Arrays.fill(values, true);
                yield NpyArray.ofBooleans(values, shape);
            }
            case TOKEN_IDS -> {
                long[] values = new long[count];
                for (int i = 0; i < count; i++) {
                    values[i] = random.nextLong(vocabulary);
                }
                yield NpyArray.ofLongs(values, shape);
            }
            case MASK -> {
                long[] values = new long[count];
                Arrays.fill(values, 1);
                yield NpyArray.ofLongs(values, shape);
            }
            case POSITIONS -> {
                long last = shape.length == 0 ? 1 : shape[shape.length - 1];
                long[] values = new long[count];
                for (int i = 0; i < count; i++) {
                    values[i] = i % last;
                }
                yield NpyArray.ofLongs(values, shape);
            }
            case TOKEN_TYPES, OTHER_INTEGER -> NpyArray.ofLongs(new long[count], shape);
        };
    }
}
