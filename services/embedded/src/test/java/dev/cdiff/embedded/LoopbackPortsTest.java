package dev.cdiff.embedded;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LoopbackPortsTest {

    @Test
    void portsOfOneRequestAreDistinctAndBindable() throws IOException {
        // the broker's listeners were once given the same port twice; many requests make a repeat likely if possible
        for (int round = 0; round < 200; round++) {
            int[] ports = LoopbackPorts.distinct(3);
            Set<Integer> seen = new HashSet<>();
            for (int port : ports) {
                seen.add(port);
            }
            assertEquals(3, seen.size(), "ports " + Arrays.toString(ports));
        }
        int[] ports = LoopbackPorts.distinct(3);
        ServerSocket[] bound = new ServerSocket[ports.length];
        try {
            for (int i = 0; i < ports.length; i++) {
                bound[i] = new ServerSocket();
                bound[i].bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), ports[i]));
            }
        } finally {
            for (ServerSocket s : bound) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aPortInUseByTheCallerIsNeverReturned() throws IOException {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int taken = held.getLocalPort();
            for (int round = 0; round < 50; round++) {
                for (int port : LoopbackPorts.distinct(2, taken)) {
                    assertFalse(port == taken);
                }
            }
        }
    }

    @Test
    void aRequestForNoPortsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> LoopbackPorts.distinct(0));
    }
}
