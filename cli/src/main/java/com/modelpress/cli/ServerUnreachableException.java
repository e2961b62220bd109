package com.modelpress.cli;

import java.net.URI;

/** No answer from the server: connection refused, unknown host, timeout, or the connection dropped. */
final class ServerUnreachableException extends RuntimeException {

    ServerUnreachableException(URI server, Throwable cause) {
        super("no answer from " + server + " (" + (cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getMessage()) + "); is the server running? start one with 'modelpress serve'", cause);
    }
}
