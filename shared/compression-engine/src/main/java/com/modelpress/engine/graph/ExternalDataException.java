package com.modelpress.engine.graph;

import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ModelDefect;

/** A tensor's external data reference is unsafe or does not match the file it points at ({@code external_data}). */
public final class ExternalDataException extends InvalidModelException {

    private final String tensor;
    private final String location;

    ExternalDataException(String tensor, String location, String reason) {
        super(ModelDefect.EXTERNAL_DATA, "tensor '%s': external data '%s' %s".formatted(tensor, location, reason));
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
