package com.modelpress.api.job;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.SizeTarget;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the API checks about a compression request before accepting a job. Checks that need the model
 * (does it parse, are the excluded nodes there) happen in the worker.
 */
final class CompressionRequestRules {

    static final List<String> METHODS = List.of("fp16", "int8", "int8-dynamic", "int4", "auto");
    static final String AUTO = "auto";
    static final Set<Integer> BLOCK_SIZES = Set.of(16, 32, 64, 128);
    static final int MAX_SAMPLES = 1024;
    /** The narrowest width auto mixes: no model can be stored in fewer bits per weight. */
    static final int MIN_BITS_PER_WEIGHT = 2;
    /** Longest window of a job's texts, in tokens. */
    static final int MAX_CONTEXT = 8192;
    /** Most decode steps after each window. */
    static final int MAX_DECODE_STEPS = 1024;
    static final int MAX_EXCLUDED_NODES = 10_000;
    static final int MAX_METADATA_ENTRIES = 32;
    static final int MAX_METADATA_KEY = 64;
    static final int MAX_METADATA_VALUE = 1024;
    /** Longest node or tensor name in {@code excludeNodes}: ONNX names are short; this bounds the request's size. */
    static final int MAX_NAME_LENGTH = 1024;
    /** How much of an offending value a message repeats. */
    private static final int ECHO = 40;

    private CompressionRequestRules() {
    }

    /**
     * @throws InvalidCompressionRequestException listing every rule the request breaks
     */
    static void check(CompressionRequest request) {
        List<InvalidCompressionRequestException.Violation> violations = new ArrayList<>();
        String method = request.method();
        if (method == null || method.isBlank()) {
            violations.add(violation("method", "is required; one of " + METHODS));
        } else if (method.equals(AUTO) && (request.target() == null || request.target().empty())) {
            violations.add(violation("target.minCosine", "auto needs a target (minCosine, minSqnrDb, maxKl and/or "
                    + "maxPplIncrease: the smallest model that meets it; size and/or bitsPerWeight: the most faithful "
                    + "model that fits)"));
        } else if (!METHODS.contains(method)) {
            violations.add(violation("method", "'%s' is not one of %s".formatted(echo(method), METHODS)));
        }
        CompressionOptions options = request.options();
        if (options.blockSize() != null && !BLOCK_SIZES.contains(options.blockSize())) {
            violations.add(violation("options.blockSize", "must be 16, 32, 64 or 128, not " + options.blockSize()));
        }
        if (options.rounding() != null && !CompressionOptions.ROUNDINGS.contains(options.rounding())) {
            violations.add(violation("options.rounding", "must be one of " + CompressionOptions.ROUNDINGS));
        }
        if (options.head() != null && !CompressionOptions.HEADS.contains(options.head())) {
            violations.add(violation("options.head", "must be one of %s, not '%s'".formatted(CompressionOptions.HEADS,
                    echo(options.head()))));
        }
        if (options.minElements() != null && options.minElements() < 0) {
            violations.add(violation("options.minElements", "must not be negative"));
        }
        if (options.excludeNodes().size() > MAX_EXCLUDED_NODES) {
            violations.add(violation("options.excludeNodes", "may list at most " + MAX_EXCLUDED_NODES + " names"));
        }
        if (options.excludeNodes().stream().anyMatch(name -> name == null || name.isBlank())) {
            violations.add(violation("options.excludeNodes", "must not contain blank names"));
        }
        options.excludeNodes().stream().filter(name -> name != null && name.length() > MAX_NAME_LENGTH).findFirst()
                .ifPresent(name -> violations.add(violation("options.excludeNodes",
                        "names must be at most %d characters; '%s' has %d".formatted(MAX_NAME_LENGTH, echo(name),
                                name.length()))));
        if (options.excludeNodes().stream().anyMatch(CompressionRequestRules::hasControlCharacters)) {
            violations.add(violation("options.excludeNodes", "names must not contain control characters"));
        }
        if (request.target() != null && request.target().minCosine() != null) {
            double minCosine = request.target().minCosine();
            if (!(minCosine > 0 && minCosine <= 1)) {
                violations.add(violation("target.minCosine", "must be above 0 and at most 1, not " + minCosine));
            }
        }
        if (request.target() != null && request.target().maxKl() != null && !(request.target().maxKl() > 0)) {
            violations.add(violation("target.maxKl", "must be positive, not " + request.target().maxKl()));
        }
        String targetOutput = request.target() == null ? null : request.target().targetOutput();
        if (targetOutput != null && !List.of("tokens", "pooled-mean", "cls").contains(targetOutput)) {
            violations.add(violation("target.targetOutput", "'%s' is not one of [tokens, pooled-mean, cls]"
                    .formatted(echo(targetOutput))));
        } else if (targetOutput != null && !targetOutput.equals("tokens") && request.target().minCosine() == null) {
            violations.add(violation("target.targetOutput", "is what target.minCosine is measured on: give one"));
        }
        if (request.target() != null && request.target().minSqnrDb() != null && !Double.isFinite(request.target().minSqnrDb())) {
            violations.add(violation("target.minSqnrDb", "must be a number of dB"));
        }
        Double maxPplIncrease = request.target() == null ? null : request.target().maxPplIncrease();
        if (maxPplIncrease != null && !(maxPplIncrease > 0 && Double.isFinite(maxPplIncrease))) {
            violations.add(violation("target.maxPplIncrease", "must be a positive fraction (0.01 = 1 %%), not %s"
                    .formatted(maxPplIncrease)));
        }
        checkSize(request, violations);
        Integer samples = request.evaluation().samples();
        if (samples != null && (samples < 1 || samples > MAX_SAMPLES)) {
            violations.add(violation("evaluation.samples", "must be between 1 and %d, not %d".formatted(MAX_SAMPLES, samples)));
        }
        Integer context = request.evaluation().context();
        if (context != null && (context < 2 || context > MAX_CONTEXT)) {
            violations.add(violation("evaluation.context", "must be between 2 and %d tokens, not %d".formatted(MAX_CONTEXT,
                    context)));
        }
        Integer decodeSteps = request.evaluation().decodeSteps();
        if (decodeSteps != null && (decodeSteps < 0 || decodeSteps > MAX_DECODE_STEPS)) {
            violations.add(violation("evaluation.decodeSteps", "must be between 0 and %d, not %d".formatted(MAX_DECODE_STEPS,
                    decodeSteps)));
        }
        // declared shapes, dimensions and values of synthesised inputs: bounded so no request makes a worker allocate
        // more than DeclaredInputs.MAX_TOTAL_ELEMENTS elements of inputs; checked against the model by the engine
        request.evaluation().declaredInputs().problems(request.evaluation().samplesOrDefault())
                .forEach(problem -> violations.add(violation(problem.field(), problem.message())));
        checkMetadata(request.metadata(), violations);
        if (!violations.isEmpty()) {
            throw new InvalidCompressionRequestException(violations);
        }
    }

    /** {@code target.size} and {@code target.bitsPerWeight}: readable, possible, and only for {@code auto}. */
    private static void checkSize(CompressionRequest request,
                                  List<InvalidCompressionRequestException.Violation> violations) {
        CompressionRequest.Target target = request.target();
        if (target == null || !target.hasSize()) {
            return;
        }
        if (!AUTO.equals(request.method())) {
            violations.add(violation(target.size() != null ? "target.size" : "target.bitsPerWeight",
                    "a size target applies to method auto only"));
        }
        if (target.size() != null) {
            if (target.size().length() > ECHO) {
                violations.add(violation("target.size", "must be a size such as 1.5GB, 750MiB, 2500000 or 0.25x"));
            } else {
                try {
                    SizeTarget.parse(target.size());
                } catch (IllegalArgumentException e) {
                    violations.add(violation("target.size", e.getMessage()));
                }
            }
        }
        Double bits = target.bitsPerWeight();
        if (bits != null && !(bits >= MIN_BITS_PER_WEIGHT && bits <= 32)) {
            violations.add(violation("target.bitsPerWeight", ("must be between %d (every weight at 2 bits, the narrowest "
                    + "width) and 32, not %s").formatted(MIN_BITS_PER_WEIGHT, bits)));
        }
    }

    private static void checkMetadata(Map<String, String> metadata,
                                      List<InvalidCompressionRequestException.Violation> violations) {
        if (metadata.size() > MAX_METADATA_ENTRIES) {
            violations.add(violation("metadata", "may hold at most " + MAX_METADATA_ENTRIES + " entries"));
        }
        metadata.forEach((key, value) -> {
            if (key.isEmpty() || key.length() > MAX_METADATA_KEY || hasControlCharacters(key)) {
                violations.add(violation("metadata", "keys must be 1 to %d characters without control characters"
                        .formatted(MAX_METADATA_KEY)));
            }
            if (value == null || value.length() > MAX_METADATA_VALUE) {
                violations.add(violation("metadata." + echo(key), "must be a string of at most %d characters".formatted(MAX_METADATA_VALUE)));
            }
        });
    }

    private static boolean hasControlCharacters(String text) {
        return text != null && text.chars().anyMatch(Character::isISOControl);
    }

    /** The start of a user's value, for a message: never the whole of a long one. */
    private static String echo(String value) {
        return value.length() <= ECHO ? value : value.substring(0, ECHO) + "…";
    }

    private static InvalidCompressionRequestException.Violation violation(String field, String message) {
        return new InvalidCompressionRequestException.Violation(field, message);
    }
}
