package com.modelpress.engine;

import java.util.Optional;

/**
 * The model (or its external data, or the evaluation inputs given for it) cannot be read or is not valid
 * ONNX. The message is one line a user can act on; when the model itself is at fault it ends with the
 * {@link ModelDefect} code in square brackets.
 */
public class InvalidModelException extends RuntimeException {

    private final ModelDefect defect;

    public InvalidModelException(String message) {
        super(message);
        this.defect = null;
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
        this.defect = null;
    }

    public InvalidModelException(ModelDefect defect, String message) {
        super(defect.describe(message));
        this.defect = defect;
    }

    public InvalidModelException(ModelDefect defect, String message, Throwable cause) {
        super(defect.describe(message), cause);
        this.defect = defect;
    }

    /** What is wrong with the model; empty when the evaluation inputs, not the model, are at fault. */
    public Optional<ModelDefect> defect() {
        return Optional.ofNullable(defect);
    }
}
