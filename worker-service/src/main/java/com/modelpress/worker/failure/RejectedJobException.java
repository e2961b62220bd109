package com.modelpress.worker.failure;

/**
 * The job cannot succeed however often it is tried: the attempt ends with a non-retryable {@code Failed}
 * event carrying {@link #code()} and the message is acknowledged.
 */
public abstract sealed class RejectedJobException extends Exception
        permits InputCorruptException, InvalidArchiveException, InvalidRequestException, InvalidTextInputException {

    RejectedJobException(String message) {
        super(message);
    }

    /** The stable error code of the {@code Failed} event. */
    public abstract String code();
}
