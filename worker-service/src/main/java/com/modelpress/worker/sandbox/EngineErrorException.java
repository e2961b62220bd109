package com.modelpress.worker.sandbox;

/**
 * The engine's child JVM caught an exception that is neither a verdict on the model nor a crash (a disk or I/O
 * problem, a bug): the attempt fails as {@code internal_error} and is retried.
 */
final class EngineErrorException extends Exception {

    /**
     * @param exception the class name of the child's exception
     * @param message   its message, nullable
     */
    EngineErrorException(String exception, String message) {
        super("the engine failed: %s%s".formatted(exception, message == null ? "" : ": " + message));
    }
}
