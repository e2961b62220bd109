package com.modelpress.engine;

/** The model is valid but uses something the engine or ONNX Runtime cannot handle. */
public class UnsupportedModelException extends RuntimeException {

    public UnsupportedModelException(String message) {
        super(message);
    }

    public UnsupportedModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
