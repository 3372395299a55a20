package dev.cdiff.platform.faults;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Ends the process after a fatal error (a {@link java.lang.Error} in an event loop or stream thread), so the
 * supervisor (compose's restart policy, Kubernetes) starts a fresh one instead of leaving a half-dead process
 * that still answers health checks. Pluggable so tests can observe the exit without ending their own JVM.
 */
@FunctionalInterface
public interface ProcessExit {
    /** Status used for fatal errors (EX_SOFTWARE). */
    int FATAL_STATUS = 70;

    void exit(int status, String reason, Throwable cause);

    /**
     * The real thing: System.exit so shutdown hooks close the service, with a watchdog that halts the JVM if the
     * hooks hang (a hook waiting for the thread that is dying would otherwise keep the process up for ever).
     */
    static ProcessExit runtime() {
        return RuntimeExit.INSTANCE;
    }

    final class RuntimeExit implements ProcessExit {
        static final RuntimeExit INSTANCE = new RuntimeExit();
        private static final Logger LOG = LoggerFactory.getLogger(ProcessExit.class);
        private static final Duration HOOK_GRACE = Duration.ofSeconds(30);

        private RuntimeExit() {
        }

        @Override
        public void exit(int status, String reason, Throwable cause) {
            LOG.error("fatal: {}; exiting with status {}", reason, status, cause);
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(HOOK_GRACE.toMillis());
                } catch (InterruptedException ignored) {
                    // halting anyway
                }
                Runtime.getRuntime().halt(status);
            }, "fatal-exit-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            // exit blocks the calling thread for ever; do it elsewhere so a hook can still join the dying loop
            Thread exiter = new Thread(() -> System.exit(status), "fatal-exit");
            exiter.start();
        }
    }
}
