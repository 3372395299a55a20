package dev.cdiff.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A second, kernel-level witness (Linux only): periodically lists this process's sockets
 * ({@code /proc/self/fd} → inode) and their remote addresses ({@code /proc/self/net/tcp*}, {@code udp*}), so
 * connections made outside the JDK's checks (native code) would show up too, if they last a sampling period.
 */
final class ProcessSocketSampler implements AutoCloseable {

    private static final Path PROC = Path.of("/proc/self");

    private final Set<String> remotes = new TreeSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    private int samples;

    ProcessSocketSampler(long periodMillis) {
        thread = new Thread(() -> {
            while (running) {
                sample();
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "socket-sampler");
        thread.setDaemon(true);
    }

    static boolean supported() {
        return Files.isDirectory(PROC.resolve("fd")) && Files.isReadable(PROC.resolve("net/tcp"));
    }

    ProcessSocketSampler start() {
        thread.start();
        return this;
    }

    synchronized void sample() {
        Set<String> inodes = socketInodes();
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            Path file = PROC.resolve("net").resolve(table);
            if (!Files.isReadable(file)) {
                continue;
            }
            try {
                List<String> lines = Files.readAllLines(file);
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && inodes.contains(f[9])) {
                        String remote = f[2];
                        if (!remote.startsWith("00000000:0000") && !remote.matches("0+:0000")) {
                            remotes.add(table + " " + decode(remote));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // a table that changes while read is simply sampled again next period
            }
        }
        samples++;
    }

    private static Set<String> socketInodes() {
        Set<String> out = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(PROC.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        out.add(link.substring(8, link.length() - 1));
                    }
                } catch (IOException e) {
                    // descriptor closed between listing and reading
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to sample
        }
        return out;
    }

    /** {@code 0100007F:1F90} → {@code 127.0.0.1:8080}; IPv6 as four little-endian words. */
    static String decode(String hexAddressPort) {
        String[] parts = hexAddressPort.split(":");
        int port = Integer.parseInt(parts[1], 16);
        String hex = parts[0];
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int src = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(src, src + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + ":" + port;
        } catch (UnknownHostException e) {
            return hexAddressPort;
        }
    }

    /** Remote endpoints seen that are neither loopback nor unspecified. */
    synchronized List<String> nonLoopbackRemotes() {
        List<String> out = new ArrayList<>();
        for (String r : remotes) {
            String addr = r.substring(r.indexOf(' ') + 1, r.lastIndexOf(':'));
            if (!ConnectionGuard.isLoopback(addr) && !addr.equals("0.0.0.0") && !addr.equals("0:0:0:0:0:0:0:0")) {
                out.add(r);
            }
        }
        return out;
    }

    synchronized Set<String> remotes() {
        return Set.copyOf(remotes);
    }

    synchronized int samples() {
        return samples;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
        sample();
    }
}
