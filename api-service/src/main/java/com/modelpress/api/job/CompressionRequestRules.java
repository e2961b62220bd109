package com.modelpress.api.job;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.CompressionSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the API checks about a compression request before accepting a job: the rules of {@link CompressionSpec} (the
 * same the command line applies) and the bounds of the job's metadata. Checks that need the model (does it parse, are
 * the excluded nodes there) happen in the worker.
 */
final class CompressionRequestRules {

    static final int MAX_METADATA_ENTRIES = 32;
    static final int MAX_METADATA_KEY = 64;
    static final int MAX_METADATA_VALUE = 1024;
    /** How much of an offending key a field path repeats. */
    private static final int ECHO = 40;

    private CompressionRequestRules() {
    }

    /**
     * @return the spec the request describes
     * @throws InvalidCompressionRequestException listing every rule the request breaks
     */
    static CompressionSpec check(CompressionRequest request) {
        List<InvalidCompressionRequestException.Violation> violations = new ArrayList<>();
        for (CompressionSpec.Problem problem : CompressionSpec.problems(request)) {
            violations.add(violation(problem.field(), problem.jsonMessage()));
        }
        checkMetadata(request.metadata(), violations);
        if (!violations.isEmpty()) {
            throw new InvalidCompressionRequestException(violations);
        }
        return CompressionSpec.of(request);
    }

    private static void checkMetadata(Map<String, String> metadata,
                                      List<InvalidCompressionRequestException.Violation> violations) {
        if (metadata.size() > MAX_METADATA_ENTRIES) {
            violations.add(violation("metadata", "may hold at most " + MAX_METADATA_ENTRIES + " entries"));
        }
        metadata.forEach((key, value) -> {
            if (key.isEmpty() || key.length() > MAX_METADATA_KEY || key.chars().anyMatch(Character::isISOControl)) {
                violations.add(violation("metadata", "keys must be 1 to %d characters without control characters"
                        .formatted(MAX_METADATA_KEY)));
            }
            if (value == null || value.length() > MAX_METADATA_VALUE) {
                String shown = key.length() <= ECHO ? key : key.substring(0, ECHO) + "…";
                violations.add(violation("metadata." + shown, "must be a string of at most %d characters"
                        .formatted(MAX_METADATA_VALUE)));
            }
        });
    }

    private static InvalidCompressionRequestException.Violation violation(String field, String message) {
        return new InvalidCompressionRequestException.Violation(field, message);
    }
}
