package com.modelpress.api.job;

/** A method the platform knows but cannot run yet (e.g. {@code auto}). */
public final class UnsupportedMethodException extends RuntimeException {

    private final String method;

    UnsupportedMethodException(String method) {
        super("Method '%s' is not supported yet; use one of %s".formatted(method, CompressionRequestRules.METHODS));
        this.method = method;
    }

    public String method() {
        return method;
    }
}
