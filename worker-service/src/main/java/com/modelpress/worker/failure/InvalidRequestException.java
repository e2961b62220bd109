package com.modelpress.worker.failure;

/** The job message asks for something this worker cannot do: an unknown method, bad options, too many samples. */
public final class InvalidRequestException extends RejectedJobException {

    public InvalidRequestException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "invalid_request";
    }
}
