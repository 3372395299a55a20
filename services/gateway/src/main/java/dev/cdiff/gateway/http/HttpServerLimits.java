package dev.cdiff.gateway.http;

/**
 * JVM-wide settings of the JDK's HTTP server that a public endpoint needs. After an answer, the server reads up to
 * {@code sun.net.httpserver.drainAmount} bytes of an unread request body to keep the connection: a client that
 * declared a large body and then sends nothing would hold a worker forever. Draining nothing closes such a
 * connection instead. The server reads these properties once, when the first server of the JVM is made, so
 * {@link #apply()} must run before that (the gateway's main, the CLI's main, the tests' set-up).
 */
public final class HttpServerLimits {
    public static final String DRAIN_AMOUNT = "sun.net.httpserver.drainAmount";

    private HttpServerLimits() {
    }

    public static void apply() {
        if (System.getProperty(DRAIN_AMOUNT) == null) {
            System.setProperty(DRAIN_AMOUNT, "0");
        }
    }
}
