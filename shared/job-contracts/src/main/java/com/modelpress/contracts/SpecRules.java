package com.modelpress.contracts;

import com.modelpress.contracts.CompressionSpec.Problem;

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
        } else if (!CompressionSpec.METHODS.contains(method)) {
            problems.add(new Problem("method", "'%s' is not one of %s".formatted(echo(method), CompressionSpec.METHODS)));
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
        if (options.blockSize() != null && !CompressionSpec.BLOCK_SIZES.contains(options.blockSize())) {
            problems.add(new Problem("options.blockSize", "must be 16, 32, 64 or 128, not " + options.blockSize()));
        }
        if (options.rounding() != null && !CompressionOptions.ROUNDINGS.contains(options.rounding())) {
            problems.add(new Problem("options.rounding", "must be one of %s, not '%s'".formatted(CompressionOptions.ROUNDINGS,
                    echo(options.rounding()))));
        }
        if (options.head() != null && !CompressionOptions.HEADS.contains(options.head())) {
            problems.add(new Problem("options.head", "must be one of %s, not '%s'".formatted(CompressionOptions.HEADS,
                    echo(options.head()))));
        }
        if (options.minElements() != null && options.minElements() < 0) {
            problems.add(new Problem("options.minElements", "must not be negative, not " + options.minElements()));
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
        if (minCosine != null && !(minCosine > 0 && minCosine <= 1)) {
            problems.add(new Problem("target.minCosine", "must be above 0 and at most 1, not " + minCosine));
        }
        if (target.maxKl() != null && !(target.maxKl() > 0 && Double.isFinite(target.maxKl()))) {
            problems.add(new Problem("target.maxKl", "must be positive, not " + target.maxKl()));
        }
        String targetOutput = target.targetOutput();
        if (targetOutput != null && !CompressionSpec.TARGET_OUTPUTS.contains(targetOutput)) {
            problems.add(new Problem("target.targetOutput", "'%s' is not one of %s".formatted(echo(targetOutput),
                    CompressionSpec.TARGET_OUTPUTS)));
        } else if (targetOutput != null && !targetOutput.equals("tokens") && minCosine == null) {
            problems.add(new Problem("target.targetOutput", "is what {target.minCosine} is measured on: give one"));
        }
        if (target.minSqnrDb() != null && !Double.isFinite(target.minSqnrDb())) {
            problems.add(new Problem("target.minSqnrDb", "must be a number of dB, not " + target.minSqnrDb()));
        }
        Double maxPplIncrease = target.maxPplIncrease();
        if (maxPplIncrease != null && !(maxPplIncrease > 0 && Double.isFinite(maxPplIncrease))) {
            problems.add(new Problem("target.maxPplIncrease", "must be a positive fraction (0.01 = 1 %%), not %s"
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
        if (bits != null && !(bits >= CompressionSpec.MIN_BITS_PER_WEIGHT && bits <= 32)) {
            problems.add(new Problem("target.bitsPerWeight", ("must be between %d (every weight at 2 bits, the narrowest "
                    + "width) and 32, not %s").formatted(CompressionSpec.MIN_BITS_PER_WEIGHT, bits)));
        }
    }

    private static void checkEvaluation(CompressionRequest.EvaluationSpec evaluation, List<Problem> problems) {
        Integer samples = evaluation.samples();
        if (samples != null && (samples < 1 || samples > CompressionSpec.MAX_SAMPLES)) {
            problems.add(new Problem("evaluation.samples", "must be between 1 and %d, not %d"
                    .formatted(CompressionSpec.MAX_SAMPLES, samples)));
        }
        Integer context = evaluation.context();
        if (context != null && (context < 2 || context > CompressionSpec.MAX_CONTEXT)) {
            problems.add(new Problem("evaluation.context", "must be between 2 and %d tokens, not %d"
                    .formatted(CompressionSpec.MAX_CONTEXT, context)));
        }
        Integer decodeSteps = evaluation.decodeSteps();
        if (decodeSteps != null && (decodeSteps < 0 || decodeSteps > CompressionSpec.MAX_DECODE_STEPS)) {
            problems.add(new Problem("evaluation.decodeSteps", "must be between 0 and %d, not %d"
                    .formatted(CompressionSpec.MAX_DECODE_STEPS, decodeSteps)));
        }
        // bounded so that no request makes a worker allocate more than DeclaredInputs.MAX_TOTAL_ELEMENTS elements of
        // inputs; checked against the model by the engine
        evaluation.declaredInputs().problems(evaluation.samplesOrDefault())
                .forEach(problem -> problems.add(new Problem(problem.field(), problem.message())));
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
