package com.modelpress.api.webhook;

import com.modelpress.api.job.InvalidCompressionRequestException.Violation;

import java.util.List;
import java.util.stream.Collectors;

/** A subscription or rotation request that breaks the rules; carries every violation found. */
public final class InvalidWebhookException extends RuntimeException {

    private final List<Violation> violations;

    InvalidWebhookException(List<Violation> violations) {
        super("The webhook request is invalid: " + violations.stream().map(v -> v.field() + " " + v.message())
                .collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
