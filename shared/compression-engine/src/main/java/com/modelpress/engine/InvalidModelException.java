package com.modelpress.engine;

/**
 * The model (or its external data, or the evaluation inputs given for it) cannot be read or is not valid
 * ONNX. The message is one line a user can act on.
 */
public class InvalidModelException extends RuntimeException {

    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
