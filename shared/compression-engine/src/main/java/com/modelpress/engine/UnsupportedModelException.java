package com.modelpress.engine;

import java.util.Optional;

/**
 * The model is valid but uses something the engine or ONNX Runtime cannot handle. When ONNX Runtime refused to
 * load it, the message ends with the {@link ModelDefect} code in square brackets.
 */
public class UnsupportedModelException extends RuntimeException {

    private final ModelDefect defect;

    public UnsupportedModelException(String message) {
        super(message);
        this.defect = null;
    }

    public UnsupportedModelException(String message, Throwable cause) {
        super(message, cause);
        this.defect = null;
    }

    public UnsupportedModelException(ModelDefect defect, String message, Throwable cause) {
        super(defect.describe(message), cause);
        this.defect = defect;
    }

    /** Why ONNX Runtime refused the model, when it did. */
    public Optional<ModelDefect> defect() {
        return Optional.ofNullable(defect);
    }
}
