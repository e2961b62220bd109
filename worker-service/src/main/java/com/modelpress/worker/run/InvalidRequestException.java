package com.modelpress.worker.run;

/** The job message asks for something this worker cannot do: an unknown method, bad options, too many samples. */
final class InvalidRequestException extends RejectedJobException {

    InvalidRequestException(String message) {
        super(message);
    }

    @Override
    String code() {
        return "invalid_request";
    }
}
