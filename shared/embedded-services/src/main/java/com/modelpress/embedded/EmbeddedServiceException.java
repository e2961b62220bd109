package com.modelpress.embedded;

/** An embedded service could not start or stop; the message names the service and the folder or port involved. */
public final class EmbeddedServiceException extends RuntimeException {

    EmbeddedServiceException(String message, Throwable cause) {
        super(message, cause);
    }

    EmbeddedServiceException(String message) {
        super(message);
    }
}
