package dev.cdiff.cli.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One OS process kept running as a supervisor would (systemd, Kubernetes): whenever it exits it is started again,
 * unless it is being held down on purpose. Output goes to a log file; an incarnation is ready once its output shows
 * the ready marker. Every exit that was not asked for is counted.
 */
final class SupervisedProcess implements AutoCloseable {
    private static final Duration RESTART_DELAY = Duration.ofMillis(500);

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private final String readyMarker;
    private final Thread supervisor;

    private final Object lock = new Object();
    private Process current;
    private long incarnationStartOffset;
    private int starts;
    private int unexpectedExits;
    private boolean exitExpected;
    private long heldUntilNanos;
    private boolean held;
    private volatile boolean closed;

    SupervisedProcess(String name, List<String> command, Map<String, String> environment, Path log,
                      String readyMarker) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.log = log;
        this.readyMarker = readyMarker;
        this.supervisor = new Thread(this::supervise, "supervisor-" + name);
        this.supervisor.setDaemon(true);
    }

    String name() {
        return name;
    }

    SupervisedProcess start() {
        supervisor.start();
        return this;
    }

    private void supervise() {
        while (!closed) {
            Process p;
            try {
                synchronized (lock) {
                    while (!closed && (held || System.nanoTime() < heldUntilNanos)) {
                        long waitMs = held ? 100 : Math.max(1, (heldUntilNanos - System.nanoTime()) / 1_000_000);
                        lock.wait(waitMs);
                    }
                    if (closed) {
                        return;
                    }
                    Files.createDirectories(log.getParent());
                    Files.writeString(log, "\n=== " + name + " start " + (starts + 1) + " at "
                            + java.time.Instant.now() + " ===\n", StandardCharsets.UTF_8,
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                    incarnationStartOffset = Files.size(log);
                    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
                    pb.environment().putAll(environment);
                    p = pb.start();
                    current = p;
                    starts++;
                    exitExpected = false;
                }
                int code = p.waitFor();
                synchronized (lock) {
                    current = null;
                    if (!exitExpected && !closed) {
                        unexpectedExits++;
                        Files.writeString(log, "\n=== " + name + " exited unexpectedly with " + code + " ===\n",
                                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
                    }
                    lock.notifyAll();
                }
                if (!closed) {
                    Thread.sleep(RESTART_DELAY.toMillis());
                }
            } catch (InterruptedException e) {
                synchronized (lock) {
                    if (current != null) {
                        current.destroyForcibly();
                    }
                }
                return;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name, e);
            }
        }
    }

    /** {@code kill -9}; the supervisor starts it again. */
    void killHard() {
        synchronized (lock) {
            if (current != null) {
                exitExpected = true;
                current.destroyForcibly();
            }
        }
    }

    /** Stops it (SIGTERM, then SIGKILL after a grace period) and keeps it down for {@code down}. */
    void stopFor(Duration down) throws InterruptedException {
        Process p;
        synchronized (lock) {
            held = true;
            p = current;
            exitExpected = true;
        }
        if (p != null) {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        Thread.sleep(down.toMillis());
        synchronized (lock) {
            held = false;
            lock.notifyAll();
        }
    }

    /** Waits until the current incarnation has printed its ready marker; false when the time ran out. */
    boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long offset;
            boolean alive;
            synchronized (lock) {
                offset = incarnationStartOffset;
                alive = current != null && current.isAlive();
            }
            if (alive && readySince(offset)) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private boolean readySince(long offset) {
        try {
            if (!Files.exists(log)) {
                return false;
            }
            byte[] all = Files.readAllBytes(log);
            if (all.length <= offset) {
                return false;
            }
            return new String(all, (int) offset, (int) (all.length - offset), StandardCharsets.UTF_8)
                    .contains(readyMarker);
        } catch (IOException e) {
            return false;
        }
    }

    int starts() {
        synchronized (lock) {
            return starts;
        }
    }

    int unexpectedExits() {
        synchronized (lock) {
            return unexpectedExits;
        }
    }

    Path log() {
        return log;
    }

    /** Stops the process for good (SIGTERM, then SIGKILL) and the supervisor with it. */
    @Override
    public void close() {
        Process p;
        synchronized (lock) {
            closed = true;
            exitExpected = true;
            p = current;
            lock.notifyAll();
        }
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        supervisor.interrupt();
        try {
            supervisor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
