package dev.cdiff.embedded;

import java.security.Permission;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A JVM-wide witness of outgoing connections. The JDK asks the installed SecurityManager's
 * {@code checkConnect(host, port)} before every classic {@code Socket} connect, every NIO
 * {@code SocketChannel} connect (Kafka's clients and broker), every datagram send and every host-name lookup
 * (port -1). This guard records each request and vetoes any target that is not loopback by throwing before the
 * JDK touches the network, so nothing can leave the machine while it is installed. Everything else is allowed.
 */
final class ConnectionGuard extends SecurityManager {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final List<String> attempts = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();

    @Override
    public void checkPermission(Permission perm) {
        // allow everything; only connections are of interest
    }

    @Override
    public void checkPermission(Permission perm, Object context) {
    }

    @Override
    public void checkConnect(String host, int port) {
        check(host, port);
    }

    @Override
    public void checkConnect(String host, int port, Object context) {
        check(host, port);
    }

    @Override
    public void checkMulticast(java.net.InetAddress maddr) {
        record(maddr.getHostAddress() + " (multicast)", false);
        throw new SecurityException("multicast blocked by ConnectionGuard: " + maddr.getHostAddress());
    }

    private void check(String host, int port) {
        String target = host + ":" + port;
        boolean loopback = isLoopback(host);
        record(target, loopback);
        if (!loopback) {
            throw new SecurityException("non-loopback network access blocked by ConnectionGuard: " + target);
        }
    }

    private synchronized void record(String target, boolean allowed) {
        attempts.add(target);
        if (!allowed) {
            violations.add(target + " from " + caller());
        }
    }

    /** The first few frames outside the JDK, to say who tried. */
    private static String caller() {
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (StackTraceElement e : new Throwable().getStackTrace()) {
            String c = e.getClassName();
            if (c.startsWith("java.") || c.startsWith("sun.") || c.startsWith("jdk.") || c.equals(ConnectionGuard.class.getName())) {
                continue;
            }
            out.append(shown == 0 ? "" : " <- ").append(c).append('.').append(e.getMethodName());
            if (++shown == 4) {
                break;
            }
        }
        return out.length() == 0 ? "(JDK internal)" : out.toString();
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.equals("localhost.localdomain")) {
            return true;
        }
        if (IPV4.matcher(h).matches()) {
            return h.startsWith("127.");
        }
        if (h.startsWith("::ffff:")) {
            String v4 = h.substring("::ffff:".length());
            return IPV4.matcher(v4).matches() && v4.startsWith("127.");
        }
        int zone = h.indexOf('%');
        if (zone >= 0) {
            h = h.substring(0, zone);
        }
        return h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    synchronized List<String> attempts() {
        return List.copyOf(attempts);
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    synchronized void clear() {
        attempts.clear();
        violations.clear();
    }
}
