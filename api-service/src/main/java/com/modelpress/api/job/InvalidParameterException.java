package com.modelpress.api.job;

/** A query parameter or header with a value the endpoint does not accept. */
public final class InvalidParameterException extends RuntimeException {

    private final String parameter;

    InvalidParameterException(String parameter, String value, String expected) {
        super("Parameter '%s' = '%s' is invalid: %s".formatted(parameter, value, expected));
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
