package com.modelpress.engine.evaluation;

import ai.onnxruntime.OnnxJavaType;
import com.modelpress.contracts.DeclaredInputs;
import com.modelpress.engine.InvalidModelException;

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
 * <p>What the user declared ({@link DeclaredInputs}) comes first: a declared shape replaces the input's, a declared
 * dimension size fills that symbol wherever it occurs, and a declared value fills every element of its input. The
 * samples of one call may hold at most {@link DeclaredInputs#MAX_ELEMENTS} elements each and
 * {@link DeclaredInputs#MAX_TOTAL_ELEMENTS} together.
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

    /** Samples with nothing declared. */
    static Samples synthesise(List<InputSpec> inputs, GraphFacts facts, int count, long seed) {
        return synthesise(inputs, facts, count, seed, DeclaredInputs.NONE);
    }

    /**
     * @param count    number of samples, at least 1
     * @param declared what the user said about the inputs; {@link DeclaredInputs#NONE} for nothing
     * @throws InvalidModelException when a declaration names no input or symbol of the model, contradicts the model's
     *                               fixed dimensions, does not fit the input's type, or the samples would be too large
     */
    static Samples synthesise(List<InputSpec> inputs, GraphFacts facts, int count, long seed, DeclaredInputs declared) {
        check(declared, inputs);
        if (facts.structure().isDecoder()) {
            if (!declared.isEmpty()) {
                throw new InvalidModelException("declared inputs (%s) do not apply to a decoder LM: its windows are token "
                        .formatted(declared) + "ids with an empty KV cache and inputs to match; evaluate it on a text instead");
            }
            return decoderWindows(inputs, facts, count, seed);
        }
        Map<String, Long> namedDims = new LinkedHashMap<>(declared.dims());
        for (InputSpec input : inputs) {
            // a symbol in a declared shape has that size in every input, unless --dim says otherwise
            List<Long> sizes = declared.shapes().get(input.name());
            String[] names = input.dimNames();
            for (int axis = 0; sizes != null && axis < names.length && axis < sizes.size(); axis++) {
                if (input.shape()[axis] < 0 && !names[axis].isEmpty()) {
                    namedDims.putIfAbsent(names[axis], sizes.get(axis));
                }
            }
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        List<String> description = new ArrayList<>();
        long elements = 0;
        for (InputSpec input : inputs) {
            Kind kind = kind(input);
            long[] shape = shape(input, kind, namedDims, declared);
            shapes.put(input.name(), shape);
            elements = Math.min(elements + elements(shape), Long.MAX_VALUE / 2);
            Double value = declared.values().get(input.name());
            description.add(input.name() + " " + input.typeName() + " " + Arrays.toString(shape).replace(" ", "")
                    + ": " + (value != null ? "every element " + format(value) + " (declared)" : describe(input, kind, facts))
                    + (declared.shapes().containsKey(input.name()) ? ", shape declared" : ""));
        }
        if (elements > DeclaredInputs.MAX_ELEMENTS || elements * count > DeclaredInputs.MAX_TOTAL_ELEMENTS) {
            throw new InvalidModelException(("synthesised samples would hold %d elements each (%d samples), more than the "
                    + "%d per sample and %d in all that are allowed: %s; declare smaller sizes with --shape NAME=AxB or "
                    + "--dim SYMBOL=N (job request: evaluation.shapes, evaluation.dims), or synthesise fewer samples "
                    + "(--samples, --calibration-samples)").formatted(elements, count,
                    DeclaredInputs.MAX_ELEMENTS, DeclaredInputs.MAX_TOTAL_ELEMENTS, signature(inputs, shapes)));
        }
        Map<String, Long> symbols = new LinkedHashMap<>(namedDims);
        symbols.keySet().retainAll(symbols(inputs));
        if (!symbols.isEmpty()) {
            StringJoiner dims = new StringJoiner(", ", "symbolic dimensions: ", "");
            symbols.forEach((name, value) -> dims.add(name + "=" + value + (declared.dims().containsKey(name) ? " (declared)" : "")));
            description.add(dims.toString());
        }

        List<Sample> samples = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            Random random = new Random(seed * 0x9E3779B97F4A7C15L + index);
            Map<String, NpyArray> values = new LinkedHashMap<>();
            for (InputSpec input : inputs) {
                long[] shape = shapes.get(input.name());
                Double value = declared.values().get(input.name());
                values.put(input.name(), value != null ? filled(input, shape, value)
                        : values(kind(input), shape, vocabulary(input, facts), random));
            }
            samples.add(new Sample("synthesised-" + index, values));
        }
        return new Samples(samples, "synthesised", description, List.of(), null, failureHint(inputs, shapes, declared));
    }

    /**
     * What a user whose model fails on these samples needs: every input with its declared type and shape and the shape
     * it was fed, and the options that set them.
     */
    private static String failureHint(List<InputSpec> inputs, Map<String, long[]> shapes, DeclaredInputs declared) {
        String example = inputs.stream().filter(i -> Arrays.stream(i.shape()).anyMatch(d -> d < 0)).findFirst()
                .map(i -> " (here e.g. --shape %s=%s, N the size it expects)".formatted(i.name(), Arrays.stream(i.shape())
                        .mapToObj(d -> d < 0 ? "N" : String.valueOf(d)).reduce((a, b) -> a + "x" + b).orElse("scalar")))
                .orElse("");
        return ("the inputs were synthesised from the model's signature, which leaves their sizes or values open: %s. "
                + "Declare what the model expects with --shape NAME=AxB%s, --dim SYMBOL=N for a symbolic dimension and "
                + "--set NAME=VALUE for a scalar or a constant fill (job request: evaluation.shapes, evaluation.dims, "
                + "evaluation.values), or give real samples with --inputs DIR%s")
                .formatted(signature(inputs, shapes), example, declared.isEmpty() ? "" : "; declared: " + declared);
    }

    /** {@code name type[declared] fed as [used]} for every input. */
    private static String signature(List<InputSpec> inputs, Map<String, long[]> shapes) {
        StringJoiner all = new StringJoiner(", ");
        for (InputSpec input : inputs) {
            long[] declared = input.shape();
            String[] names = input.dimNames();
            StringJoiner dims = new StringJoiner(",", "[", "]");
            for (int axis = 0; axis < declared.length; axis++) {
                String name = axis < names.length ? names[axis] : "";
                dims.add(declared[axis] >= 0 ? String.valueOf(declared[axis]) : name.isEmpty() ? "?" : name);
            }
            long[] used = shapes.get(input.name());
            all.add("%s %s%s fed as %s".formatted(input.name(), input.typeName(), dims,
                    used == null ? "?" : Arrays.toString(used).replace(" ", "")));
        }
        return all.toString();
    }

    /** Declarations must name inputs and symbols of the model, and shapes must keep its fixed dimensions. */
    private static void check(DeclaredInputs declared, List<InputSpec> inputs) {
        Map<String, InputSpec> byName = new LinkedHashMap<>();
        inputs.forEach(input -> byName.put(input.name(), input));
        for (String name : declared.shapes().keySet()) {
            if (!byName.containsKey(name)) {
                throw unknownInput("--shape", "evaluation.shapes", name, byName);
            }
        }
        for (String name : declared.values().keySet()) {
            if (!byName.containsKey(name)) {
                throw unknownInput("--set", "evaluation.values", name, byName);
            }
        }
        java.util.Set<String> symbols = symbols(inputs);
        for (String symbol : declared.dims().keySet()) {
            if (!symbols.contains(symbol)) {
                throw new InvalidModelException("--dim %s (evaluation.dims) names no symbolic dimension of the model; its "
                        .formatted(symbol) + "symbols are " + (symbols.isEmpty() ? "none" : String.join(", ", symbols))
                        + " (use --shape NAME=AxB for unnamed dimensions)");
            }
        }
        declared.shapes().forEach((name, sizes) -> {
            long[] fixed = byName.get(name).shape();
            if (fixed.length != sizes.size()) {
                throw new InvalidModelException("--shape %s=%s (evaluation.shapes): input '%s' has rank %d (%s), not %d"
                        .formatted(name, DeclaredInputs.describe(sizes), name, fixed.length,
                                signature(List.of(byName.get(name)), Map.of()), sizes.size()));
            }
            for (int axis = 0; axis < fixed.length; axis++) {
                if (fixed[axis] >= 0 && fixed[axis] != sizes.get(axis)) {
                    throw new InvalidModelException("--shape %s=%s (evaluation.shapes): dimension %d of input '%s' is fixed at %d"
                            .formatted(name, DeclaredInputs.describe(sizes), axis, name, fixed[axis]));
                }
            }
        });
        declared.values().forEach((name, value) -> {
            InputSpec input = byName.get(name);
            boolean integer = !input.isFloat() && input.type() != OnnxJavaType.BOOL;
            if (input.type() == OnnxJavaType.STRING || input.type() == OnnxJavaType.UNKNOWN
                    || integer && (value != Math.rint(value) || Math.abs(value) > DeclaredInputs.MAX_EXACT_INTEGER)) {
                throw new InvalidModelException("--set %s=%s (evaluation.values): input '%s' is %s; %s"
                        .formatted(name, format(value), name, input.typeName(), integer
                                ? "give a whole number" : "only numeric and bool inputs take a value"));
            }
        });
    }

    private static InvalidModelException unknownInput(String option, String field, String name, Map<String, InputSpec> inputs) {
        return new InvalidModelException("%s %s (%s) names no input of the model; its inputs are %s"
                .formatted(option, name, field, String.join(", ", inputs.keySet())));
    }

    /** Every symbolic dimension name of the inputs. */
    private static java.util.Set<String> symbols(List<InputSpec> inputs) {
        java.util.Set<String> symbols = new java.util.LinkedHashSet<>();
        for (InputSpec input : inputs) {
            long[] shape = input.shape();
            String[] names = input.dimNames();
            for (int axis = 0; axis < shape.length && axis < names.length; axis++) {
                if (shape[axis] < 0 && !names[axis].isEmpty()) {
                    symbols.add(names[axis]);
                }
            }
        }
        return symbols;
    }

    private static long elements(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            count = Math.min(count * dim, DeclaredInputs.MAX_TOTAL_ELEMENTS + 1);
        }
        return count;
    }

    /** An integral value without a trailing {@code .0}. */
    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value) : String.valueOf(value);
    }

    /** Every element {@code value}, in the input's type. */
    private static NpyArray filled(InputSpec input, long[] shape, double value) {
        int count = Math.toIntExact(elements(shape));
        if (input.isFloat()) {
            float[] values = new float[count];
            Arrays.fill(values, (float) value);
            return NpyArray.ofFloats(values, shape);
        }
        if (input.type() == OnnxJavaType.BOOL) {
            boolean[] values = new boolean[count];
            Arrays.fill(values, value != 0);
            return NpyArray.ofBooleans(values, shape);
        }
        long[] values = new long[count];
        Arrays.fill(values, (long) value);
        return NpyArray.ofLongs(values, shape);
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

    private static long[] shape(InputSpec input, Kind kind, Map<String, Long> namedDims, DeclaredInputs declared) {
        long[] shape = input.shape();
        String[] names = input.dimNames();
        List<Long> sizes = declared.shapes().get(input.name());
        if (sizes != null) {
            // the declared shape is the input's; its symbols take these sizes for inputs declared by --dim or not at all
            for (int axis = 0; axis < shape.length; axis++) {
                shape[axis] = sizes.get(axis);
                if (axis < names.length && !names[axis].isEmpty()) {
                    namedDims.putIfAbsent(names[axis], shape[axis]);
                }
            }
            return shape;
        }
        for (int axis = 0; axis < shape.length; axis++) {
            if (shape[axis] >= 0) {
                continue;
            }
            String name = axis < names.length ? names[axis] : "";
            Long known = name.isEmpty() ? null : namedDims.get(name);
            long size = known == null ? sizeByName(name) : known;
            if (size == 0 && known == null) {
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
