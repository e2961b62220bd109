package com.modelpress.engine.graph;

import com.modelpress.engine.InvalidModelException;

/** A tensor's external data reference is unsafe or does not match the file it points at. */
public final class ExternalDataException extends InvalidModelException {

    private final String tensor;
    private final String location;

    ExternalDataException(String tensor, String location, String reason) {
        super("tensor '%s': external data '%s' %s".formatted(tensor, location, reason));
        this.tensor = tensor;
        this.location = location;
    }

    public String tensor() {
        return tensor;
    }

    public String location() {
        return location;
    }
}
