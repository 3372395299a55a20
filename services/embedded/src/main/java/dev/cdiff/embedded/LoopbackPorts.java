package dev.cdiff.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for servers that must be told their port before they bind it.
 *
 * <p>Probing one port at a time lets the kernel hand out the same port again as soon as the probe closes: a broker
 * was once given one port for two listeners and refused to start. Every probe therefore stays bound until all
 * ports of one request are chosen, so they are distinct among themselves. Another process may still take one before
 * the server binds it; callers that pick ports this way retry on a bind failure.
 */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago, none of them in {@code avoid}. */
    public static int[] distinct(int count, int... avoid) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        List<ServerSocket> probes = new ArrayList<>();
        try {
            int[] ports = new int[count];
            int found = 0;
            // a port in avoid stays held by its probe, so the kernel cannot offer it again in this request
            for (int attempts = 0; found < count; attempts++) {
                if (attempts > count + 64) {
                    throw new IOException("no " + count + " distinct free loopback ports after " + attempts + " probes");
                }
                ServerSocket probe = new ServerSocket();
                probes.add(probe);
                probe.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                int port = probe.getLocalPort();
                if (!contains(avoid, port)) {
                    ports[found++] = port;
                }
            }
            return ports;
        } finally {
            for (ServerSocket probe : probes) {
                try {
                    probe.close();
                } catch (IOException ignored) {
                    // closing a probe that never accepted cannot lose anything
                }
            }
        }
    }

    /** One free loopback port. */
    public static int one() throws IOException {
        return distinct(1)[0];
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }
}
