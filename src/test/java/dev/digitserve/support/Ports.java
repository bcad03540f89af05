package dev.digitserve.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Ports for servers a test starts itself (a gRPC port, a separate JVM), where Spring's random port cannot be used. */
public final class Ports {
    private Ports() {
    }

    /** A port free at the moment of asking: the operating system's choice for a socket bound to port 0. */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
