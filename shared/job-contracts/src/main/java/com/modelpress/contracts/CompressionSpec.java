package com.modelpress.contracts;

import java.math.BigDecimal;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a compression request means, read and checked once: the method with the options it honours, the fidelity
 * floors, {@code auto}'s size fit and the evaluation. The API ({@code POST /api/v1/jobs}), the command line
 * ({@code compress} and {@code submit}), the worker and the engine all take it, so a request one accepts the others
 * accept, and one refused is refused everywhere with the same {@link Problem}s.
 *
 * <p>A closed set: a switch over it without {@code default} fails to compile until a new method is handled. Read from a
 * request with {@link #of}, which checks it (the records hold what they are given); immutable.
 */
public sealed interface CompressionSpec {

    /** Method ids as users write them. */
    List<String> METHODS = List.of("fp16", "int8", "int8-dynamic", "int4", "auto");
    /** 4-bit block lengths along the reduction axis. */
    List<Integer> BLOCK_SIZES = List.of(16, 32, 64, 128);
    /** What a minimum cosine is measured on. */
    List<String> TARGET_OUTPUTS = List.of("tokens", "pooled-mean", "cls");
    int MAX_SAMPLES = 1024;
    /** The narrowest width auto mixes: no model can be stored in fewer bits per weight. */
    int MIN_BITS_PER_WEIGHT = 2;
    /** Longest window of a job's texts, in tokens. */
    int MAX_CONTEXT = 8192;
    /** Most decode steps after each window. */
    int MAX_DECODE_STEPS = 1024;
    int MAX_EXCLUDED_NODES = 10_000;
    /** Longest node or tensor name in {@code excludeNodes}: ONNX names are short; this bounds the request's size. */
    int MAX_NAME_LENGTH = 1024;

    /** The method's id, e.g. {@code int8-dynamic}. */
    String method();

    /** Which tensors the method touches. */
    Scope scope();

    /** The fidelity floors: {@code auto}'s goal, every other method's gate; {@link Floors#NONE} when none is set. */
    Floors floors();

    /** How the original and the compressed model are compared; defaults where the request left a member out. */
    CompressionRequest.EvaluationSpec evaluation();

    /** The options in force, as the engine's methods take them: defaults filled in, 4-bit options only for 4 bits. */
    CompressionOptions options();

    /**
     * The spec {@code request} describes.
     *
     * @throws InvalidSpecException listing every rule the request breaks, in the order of its members
     */
    static CompressionSpec of(CompressionRequest request) {
        List<Problem> problems = problems(request);
        if (!problems.isEmpty()) {
            throw new InvalidSpecException(problems);
        }
        return SpecRules.build(request);
    }

    /** Every rule {@code request} breaks (its metadata and webhook aside); empty when {@link #of} accepts it. */
    static List<Problem> problems(CompressionRequest request) {
        return SpecRules.problems(request);
    }

    /**
     * What the members of a request may hold, as {@link #of} checks them: each member with a closed set of values or a
     * range of numbers, in the order of a request's members. The API's OpenAPI document states these and only these,
     * so a change to the rules is a change to the document.
     */
    static List<Rule> rules() {
        return SpecRules.RULES;
    }

    /**
     * A member's closed set of values or range of numbers. Immutable.
     *
     * @param field            the member as a request path, e.g. {@code options.blockSize}
     * @param values           the values it may take, in order; empty for a range
     * @param minimum          nullable: no lower bound
     * @param exclusiveMinimum whether {@code minimum} itself is refused
     * @param maximum          nullable: any finite number above the minimum
     */
    record Rule(String field, List<?> values, BigDecimal minimum, boolean exclusiveMinimum, BigDecimal maximum) {

        public Rule {
            values = List.copyOf(values);
        }

        static Rule oneOf(String field, List<?> values) {
            return new Rule(field, values, null, false, null);
        }

        static Rule between(String field, long minimum, long maximum) {
            return new Rule(field, List.of(), BigDecimal.valueOf(minimum), false, BigDecimal.valueOf(maximum));
        }

        static Rule atLeast(String field, long minimum) {
            return new Rule(field, List.of(), BigDecimal.valueOf(minimum), false, null);
        }

        /** @param maximum nullable: no upper bound */
        static Rule above(String field, long minimum, Long maximum) {
            return new Rule(field, List.of(), BigDecimal.valueOf(minimum), true,
                    maximum == null ? null : BigDecimal.valueOf(maximum));
        }

        /** Whether {@code value} is one of the values, or a finite number in the range. */
        public boolean admits(Object value) {
            if (!values.isEmpty()) {
                return values.contains(value);
            }
            if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())) {
                return false;
            }
            BigDecimal exact = new BigDecimal(number.toString());
            int fromMinimum = minimum == null ? 1 : exact.compareTo(minimum);
            return (exclusiveMinimum ? fromMinimum > 0 : fromMinimum >= 0)
                    && (maximum == null || exact.compareTo(maximum) <= 0);
        }

        /** The range in words, e.g. {@code between 1 and 1024} or {@code above 0 and at most 1}. */
        public String range() {
            String low = (exclusiveMinimum ? "above " : "at least ") + minimum.toPlainString();
            if (maximum == null) {
                return low;
            }
            return exclusiveMinimum ? low + " and at most " + maximum.toPlainString()
                    : "between " + minimum.toPlainString() + " and " + maximum.toPlainString();
        }

        /** The values in words, e.g. {@code 16, 32, 64 or 128}. */
        public String choices() {
            List<String> words = values.stream().map(String::valueOf).toList();
            return words.size() == 1 ? words.getFirst()
                    : String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.getLast();
        }
    }

    /**
     * @param excludeNodes node or tensor names left untouched, never null
     * @param minElements  tensors with fewer elements are left as they are
     * @param head         a language model's head precision, one of {@link CompressionOptions#HEADS}
     * @param keepNames    keep node names and computed values' names ({@link CompressionOptions#keepNames})
     */
    record Scope(List<String> excludeNodes, long minElements, String head, boolean keepNames) {
        public Scope {
            excludeNodes = List.copyOf(excludeNodes);
        }
    }

    /**
     * @param blockSize one of {@link #BLOCK_SIZES}
     * @param symmetric without zero points
     * @param rounding  one of {@link CompressionOptions#ROUNDINGS}
     */
    record FourBit(int blockSize, boolean symmetric, String rounding) {}

    /**
     * Fidelity floors, every component nullable (no bound); see {@link CompressionRequest.Target} for their meaning.
     */
    record Floors(Double minCosine, Double minSqnrDb, Double maxKl, Double maxPplIncrease, String targetOutput) {

        public static final Floors NONE = new Floors(null, null, null, null, null);

        /** True when a cosine, SQNR, KL or perplexity bound is set. */
        public boolean any() {
            return minCosine != null || minSqnrDb != null || maxKl != null || maxPplIncrease != null;
        }
    }

    /**
     * A size for {@code auto} to fit the model in; at least one component is set, and every one set holds.
     *
     * @param size          nullable: the most bytes of the model file plus its external data
     * @param bitsPerWeight nullable: the most bits per weight over all weights, at least {@value #MIN_BITS_PER_WEIGHT}
     */
    record Fit(SizeTarget size, Double bitsPerWeight) {}

    /** Float16 weights. */
    record Fp16(Scope scope, Floors floors, CompressionRequest.EvaluationSpec evaluation) implements CompressionSpec {
        public String method() {
            return "fp16";
        }

        public CompressionOptions options() {
            return SpecRules.common(scope);
        }
    }

    /** Per-channel int8 weights. */
    record Int8(Scope scope, Floors floors, CompressionRequest.EvaluationSpec evaluation) implements CompressionSpec {
        public String method() {
            return "int8";
        }

        public CompressionOptions options() {
            return SpecRules.common(scope);
        }
    }

    /** Int8 weights with dynamically quantized activations. */
    record Int8Dynamic(Scope scope, Floors floors, CompressionRequest.EvaluationSpec evaluation)
            implements CompressionSpec {
        public String method() {
            return "int8-dynamic";
        }

        public CompressionOptions options() {
            return SpecRules.common(scope);
        }
    }

    /** Block-wise 4-bit weights. */
    record Int4(Scope scope, FourBit fourBit, Floors floors, CompressionRequest.EvaluationSpec evaluation)
            implements CompressionSpec {
        public String method() {
            return "int4";
        }

        public CompressionOptions options() {
            return SpecRules.fourBit(scope, fourBit);
        }
    }

    /**
     * A per-tensor mix of widths: the smallest that meets {@code floors}, or the most faithful that {@code fit}s.
     *
     * @param fit nullable when {@code floors} sets a bound
     */
    record Auto(Scope scope, FourBit fourBit, Floors floors, Fit fit, CompressionRequest.EvaluationSpec evaluation)
            implements CompressionSpec {
        public String method() {
            return "auto";
        }

        public CompressionOptions options() {
            return SpecRules.fourBit(scope, fourBit);
        }
    }

    /**
     * One broken rule. {@code message} may name other members as {@code {target.size}}; each caller writes them in
     * its own vocabulary with {@link #message(UnaryOperator)}: the API as JSON member names, the command line as its
     * options. The text is the same everywhere.
     *
     * @param field   the offending member as a request path, e.g. {@code options.blockSize}
     * @param message what is wrong, e.g. {@code must be 16, 32, 64 or 128, not 33}
     */
    record Problem(String field, String message) {

        private static final Pattern MEMBER = Pattern.compile("\\{([A-Za-z.]+)}");

        /** The message with each named member written by {@code name}. */
        public String message(UnaryOperator<String> name) {
            Matcher member = MEMBER.matcher(message);
            StringBuilder text = new StringBuilder();
            while (member.find()) {
                member.appendReplacement(text, Matcher.quoteReplacement(name.apply(member.group(1))));
            }
            return member.appendTail(text).toString();
        }

        /** The message with members as JSON names ({@code size}, {@code evaluationText}), as the API says it. */
        public String jsonMessage() {
            return message(path -> path.substring(path.lastIndexOf('.') + 1));
        }

        @Override
        public String toString() {
            return field + " " + jsonMessage();
        }
    }

    /** A request that breaks the rules of {@link CompressionSpec}; carries every {@link Problem}. */
    final class InvalidSpecException extends IllegalArgumentException {

        private final transient List<Problem> problems;

        public InvalidSpecException(List<Problem> problems) {
            super("the compression spec is invalid: " + String.join("; ", problems.stream().map(Problem::toString).toList()));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }
    }
}
