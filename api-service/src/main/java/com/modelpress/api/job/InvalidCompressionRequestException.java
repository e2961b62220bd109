package com.modelpress.api.job;

import java.util.List;

/** A compression request that parsed but breaks the rules; carries every violation found. */
public final class InvalidCompressionRequestException extends RuntimeException {

    /** @param field JSON path of the offending member, e.g. {@code options.blockSize} */
    public record Violation(String field, String message) {}

    private final List<Violation> violations;

    InvalidCompressionRequestException(List<Violation> violations) {
        super("The compression request is invalid: " + violations.stream()
                .map(v -> v.field() + " " + v.message()).reduce((a, b) -> a + "; " + b).orElse(""));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
