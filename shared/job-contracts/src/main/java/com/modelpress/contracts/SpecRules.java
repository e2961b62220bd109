package com.modelpress.contracts;

import com.modelpress.contracts.CompressionSpec.Problem;
import com.modelpress.contracts.CompressionSpec.Rule;

import java.util.ArrayList;
import java.util.List;

/**
 * The rules of {@link CompressionSpec}, in the order of a request's members, and the spec they build. Checks that need
 * the model (does it parse, are the excluded nodes there) or the job's files (a text needs a tokenizer) happen where
 * those are.
 */
final class SpecRules {

    /** How much of an offending value a message repeats. */
    private static final int ECHO = 40;

    private static final Rule METHOD = Rule.oneOf("method", CompressionSpec.METHODS);
    private static final Rule BLOCK_SIZE = Rule.oneOf("options.blockSize", CompressionSpec.BLOCK_SIZES);
    private static final Rule ROUNDING = Rule.oneOf("options.rounding", CompressionOptions.ROUNDINGS);
    private static final Rule HEAD = Rule.oneOf("options.head", CompressionOptions.HEADS);
    private static final Rule MIN_ELEMENTS = Rule.atLeast("options.minElements", 0);
    private static final Rule MIN_COSINE = Rule.above("target.minCosine", 0, 1L);
    private static final Rule MAX_KL = Rule.above("target.maxKl", 0, null);
    private static final Rule TARGET_OUTPUT = Rule.oneOf("target.targetOutput", CompressionSpec.TARGET_OUTPUTS);
    private static final Rule MAX_PPL_INCREASE = Rule.above("target.maxPplIncrease", 0, null);
    /** From every weight at the narrowest width auto mixes to every weight kept at float32. */
    private static final Rule BITS_PER_WEIGHT = Rule.between("target.bitsPerWeight", CompressionSpec.MIN_BITS_PER_WEIGHT,
            32);
    private static final Rule SAMPLES = Rule.between("evaluation.samples", 1, CompressionSpec.MAX_SAMPLES);
    private static final Rule CONTEXT = Rule.between("evaluation.context", 2, CompressionSpec.MAX_CONTEXT);
    private static final Rule DECODE_STEPS = Rule.between("evaluation.decodeSteps", 0, CompressionSpec.MAX_DECODE_STEPS);

    /** Every member's set or range, in the order of a request's members: what {@link CompressionSpec#rules} lists. */
    static final List<Rule> RULES = List.of(METHOD, BLOCK_SIZE, ROUNDING, HEAD, MIN_ELEMENTS, MIN_COSINE, MAX_KL,
            TARGET_OUTPUT, MAX_PPL_INCREASE, BITS_PER_WEIGHT, SAMPLES, CONTEXT, DECODE_STEPS);

    private SpecRules() {
    }

    static List<Problem> problems(CompressionRequest request) {
        List<Problem> problems = new ArrayList<>();
        String method = request.method();
        CompressionRequest.Target target = request.target();
        if (method == null || method.isBlank()) {
            problems.add(new Problem("method", "is required; one of " + CompressionSpec.METHODS));
        } else if (method.equals("auto") && (target == null || target.empty())) {
            problems.add(new Problem("target.minCosine", "auto needs a target ({target.minCosine}, {target.minSqnrDb}, "
                    + "{target.maxKl} and/or {target.maxPplIncrease}: the smallest model that meets it; {target.size} "
                    + "and/or {target.bitsPerWeight}: the most faithful model that fits)"));
        } else if (!METHOD.admits(method)) {
            problems.add(new Problem(METHOD.field(), "'%s' is not one of %s".formatted(echo(method), METHOD.values())));
        }
        checkOptions(request.options(), problems);
        if (target != null) {
            checkFloors(target, problems);
            checkFit(method, target, problems);
        }
        checkEvaluation(request.evaluation(), problems);
        return problems;
    }

    private static void checkOptions(CompressionOptions options, List<Problem> problems) {
        if (options.blockSize() != null && !BLOCK_SIZE.admits(options.blockSize())) {
            problems.add(new Problem(BLOCK_SIZE.field(), "must be " + BLOCK_SIZE.choices() + ", not " + options.blockSize()));
        }
        checkOneOf(ROUNDING, options.rounding(), problems);
        checkOneOf(HEAD, options.head(), problems);
        if (options.minElements() != null && !MIN_ELEMENTS.admits(options.minElements())) {
            problems.add(new Problem(MIN_ELEMENTS.field(), "must not be negative, not " + options.minElements()));
        }
        List<String> names = options.excludeNodes();
        if (names.size() > CompressionSpec.MAX_EXCLUDED_NODES) {
            problems.add(new Problem("options.excludeNodes", "may list at most " + CompressionSpec.MAX_EXCLUDED_NODES
                    + " names"));
        }
        if (names.stream().anyMatch(name -> name == null || name.isBlank())) {
            problems.add(new Problem("options.excludeNodes", "must not contain blank names"));
        }
        names.stream().filter(name -> name != null && name.length() > CompressionSpec.MAX_NAME_LENGTH).findFirst()
                .ifPresent(name -> problems.add(new Problem("options.excludeNodes",
                        "names must be at most %d characters; '%s' has %d".formatted(CompressionSpec.MAX_NAME_LENGTH,
                                echo(name), name.length()))));
        if (names.stream().anyMatch(name -> name != null && name.chars().anyMatch(Character::isISOControl))) {
            problems.add(new Problem("options.excludeNodes", "names must not contain control characters"));
        }
    }

    private static void checkFloors(CompressionRequest.Target target, List<Problem> problems) {
        Double minCosine = target.minCosine();
        if (minCosine != null && !MIN_COSINE.admits(minCosine)) {
            problems.add(new Problem(MIN_COSINE.field(), "must be " + MIN_COSINE.range() + ", not " + minCosine));
        }
        if (target.maxKl() != null && !MAX_KL.admits(target.maxKl())) {
            problems.add(new Problem(MAX_KL.field(), "must be positive, not " + target.maxKl()));
        }
        String targetOutput = target.targetOutput();
        if (targetOutput != null && !TARGET_OUTPUT.admits(targetOutput)) {
            problems.add(new Problem(TARGET_OUTPUT.field(), "'%s' is not one of %s".formatted(echo(targetOutput),
                    TARGET_OUTPUT.values())));
        } else if (targetOutput != null && !targetOutput.equals("tokens") && minCosine == null) {
            problems.add(new Problem("target.targetOutput", "is what {target.minCosine} is measured on: give one"));
        }
        if (target.minSqnrDb() != null && !Double.isFinite(target.minSqnrDb())) {
            problems.add(new Problem("target.minSqnrDb", "must be a number of dB, not " + target.minSqnrDb()));
        }
        Double maxPplIncrease = target.maxPplIncrease();
        if (maxPplIncrease != null && !MAX_PPL_INCREASE.admits(maxPplIncrease)) {
            problems.add(new Problem(MAX_PPL_INCREASE.field(), "must be a positive fraction (0.01 = 1 %%), not %s"
                    .formatted(maxPplIncrease)));
        }
    }

    /** {@code target.size} and {@code target.bitsPerWeight}: readable, possible, and only for {@code auto}. */
    private static void checkFit(String method, CompressionRequest.Target target, List<Problem> problems) {
        if (!target.hasSize()) {
            return;
        }
        if (!"auto".equals(method)) {
            problems.add(new Problem(target.size() != null ? "target.size" : "target.bitsPerWeight",
                    "a size target applies to {method} auto only"));
        }
        if (target.size() != null) {
            if (target.size().length() > ECHO) {
                problems.add(new Problem("target.size", "must be a size such as 1.5GB, 750MiB, 2500000 or 0.25x"));
            } else {
                try {
                    SizeTarget.parse(target.size());
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem("target.size", e.getMessage()));
                }
            }
        }
        Double bits = target.bitsPerWeight();
        if (bits != null && !BITS_PER_WEIGHT.admits(bits)) {
            problems.add(new Problem(BITS_PER_WEIGHT.field(), ("must be between %s (every weight at 2 bits, the narrowest "
                    + "width) and %s, not %s").formatted(BITS_PER_WEIGHT.minimum(), BITS_PER_WEIGHT.maximum(), bits)));
        }
    }

    private static void checkEvaluation(CompressionRequest.EvaluationSpec evaluation, List<Problem> problems) {
        checkRange(SAMPLES, evaluation.samples(), "", problems);
        checkRange(CONTEXT, evaluation.context(), " tokens", problems);
        checkRange(DECODE_STEPS, evaluation.decodeSteps(), "", problems);
        // bounded so that no request makes a worker allocate more than DeclaredInputs.MAX_TOTAL_ELEMENTS elements of
        // inputs; checked against the model by the engine
        evaluation.declaredInputs().problems(evaluation.samplesOrDefault())
                .forEach(problem -> problems.add(new Problem(problem.field(), problem.message())));
    }

    /** @param value nullable: the default, always admitted */
    private static void checkOneOf(Rule rule, String value, List<Problem> problems) {
        if (value != null && !rule.admits(value)) {
            problems.add(new Problem(rule.field(), "must be one of %s, not '%s'".formatted(rule.values(), echo(value))));
        }
    }

    /**
     * @param value nullable: the default, always admitted
     * @param unit  what the numbers count, e.g. {@code " tokens"}; empty for none
     */
    private static void checkRange(Rule rule, Integer value, String unit, List<Problem> problems) {
        if (value != null && !rule.admits(value)) {
            problems.add(new Problem(rule.field(), "must be %s%s, not %d".formatted(rule.range(), unit, value)));
        }
    }

    /** The spec of a request {@link #problems} found nothing wrong with. */
    static CompressionSpec build(CompressionRequest request) {
        CompressionOptions options = request.options();
        CompressionSpec.Scope scope = new CompressionSpec.Scope(options.excludeNodes(), options.minElementsOrDefault(),
                options.headOrDefault(), options.keepNamesOrDefault());
        CompressionRequest.Target target = request.target();
        CompressionSpec.Floors floors = target == null || !target.hasFidelityBound() && target.targetOutput() == null
                ? CompressionSpec.Floors.NONE
                : new CompressionSpec.Floors(target.minCosine(), target.minSqnrDb(), target.maxKl(),
                        target.maxPplIncrease(), target.targetOutput());
        CompressionSpec.FourBit fourBit = new CompressionSpec.FourBit(options.blockSizeOrDefault(),
                options.symmetricOrDefault(), options.roundingOrDefault());
        CompressionRequest.EvaluationSpec evaluation = request.evaluation();
        return switch (request.method()) {
            case "fp16" -> new CompressionSpec.Fp16(scope, floors, evaluation);
            case "int8" -> new CompressionSpec.Int8(scope, floors, evaluation);
            case "int8-dynamic" -> new CompressionSpec.Int8Dynamic(scope, floors, evaluation);
            case "int4" -> new CompressionSpec.Int4(scope, fourBit, floors, evaluation);
            case "auto" -> new CompressionSpec.Auto(scope, fourBit, floors, target.hasSize()
                    ? new CompressionSpec.Fit(target.size() == null ? null : SizeTarget.parse(target.size()),
                            target.bitsPerWeight()) : null, evaluation);
            default -> throw new IllegalStateException("problems() lets no other method through: " + request.method());
        };
    }

    /** The options of a method without 4-bit choices: exclusions and the element floor (the head goes on its own). */
    static CompressionOptions common(CompressionSpec.Scope scope) {
        return new CompressionOptions(null, null, scope.excludeNodes(), scope.minElements())
                .withKeepNames(scope.keepNames());
    }

    static CompressionOptions fourBit(CompressionSpec.Scope scope, CompressionSpec.FourBit fourBit) {
        return new CompressionOptions(fourBit.blockSize(), fourBit.symmetric(), scope.excludeNodes(), scope.minElements(),
                fourBit.rounding()).withKeepNames(scope.keepNames());
    }

    /** The start of a user's value, for a message: never the whole of a long one. */
    private static String echo(String value) {
        return value.length() <= ECHO ? value : value.substring(0, ECHO) + "…";
    }
}
