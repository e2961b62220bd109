package com.modelpress.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Ports on 127.0.0.1 for the tests' servers. */
final class LocalPorts {

    private LocalPorts() {
    }

    /** A port nothing listened on a moment ago: for a server the test starts, or as one nothing answers on. */
    static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The URL of a server on a {@link #free} port. */
    static String url(int port) {
        return "http://127.0.0.1:" + port;
    }
}
