package dev.cdiff.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Reading bounded request bodies and writing JSON answers on the JDK's HTTP server. */
public final class HttpIo {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** Oversized bodies are drained (not kept) up to this multiple of the limit before answering 413. */
    private static final long DISCARD_FACTOR = 4;

    private HttpIo() {
    }

    /** A request that must be answered with an error now; {@code closeConnection} after slow or oversized bodies. */
    public static final class Refusal extends Exception {
        public final int status;
        public final String reasonCode;
        public final boolean closeConnection;

        public Refusal(int status, String reasonCode, String reason) {
            this(status, reasonCode, reason, false);
        }

        public Refusal(int status, String reasonCode, String reason, boolean closeConnection) {
            super(reason);
            this.status = status;
            this.reasonCode = reasonCode;
            this.closeConnection = closeConnection;
        }
    }

    /**
     * The body, read within {@code deadline} and at most {@code maxBytes} long (counted while reading, whatever
     * Content-Length claims). A body that trickles in is cut off at the deadline: a watchdog closes the exchange,
     * which unblocks a read that waits for bytes that never come, and the loop notices the deadline after every
     * read that does return. An oversized body is drained without being kept up to a bound, because answering 413
     * while the client is still sending resets the socket and the client never sees the reason.
     */
    public static byte[] readBody(HttpExchange ex, long maxBytes, Duration deadline, ScheduledExecutorService watchdog)
            throws Refusal, IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > maxBytes * DISCARD_FACTOR) {
                    throw tooLarge(maxBytes);
                }
            } catch (NumberFormatException e) {
                throw new Refusal(400, "MALFORMED_REQUEST", "Content-Length is not a number", true);
            }
        }
        long end = System.nanoTime() + deadline.toNanos();
        ScheduledFuture<?> guard = watchdog.schedule(ex::close, deadline.toMillis(), TimeUnit.MILLISECONDS);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long read = 0;
        boolean oversized = false;
        try (InputStream in = ex.getRequestBody()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (System.nanoTime() > end) {
                    throw tooSlow(deadline);
                }
                read += n;
                if (read > maxBytes) {
                    oversized = true;
                    if (read > maxBytes * DISCARD_FACTOR) {
                        break;
                    }
                } else {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            if (System.nanoTime() > end) {
                throw tooSlow(deadline);
            }
            throw e;
        } finally {
            guard.cancel(false);
        }
        if (oversized) {
            throw tooLarge(maxBytes);
        }
        return out.toByteArray();
    }

    private static Refusal tooLarge(long maxBytes) {
        return new Refusal(413, "REQUEST_TOO_LARGE", "the request body exceeds " + maxBytes
                + " bytes; send fewer or smaller images", true);
    }

    private static Refusal tooSlow(Duration deadline) {
        return new Refusal(408, "REQUEST_TIMEOUT", "the request body did not arrive within " + deadline.toMillis()
                + " ms", true);
    }

    public static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                params.putIfAbsent(URLDecoder.decode(key, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                params.putIfAbsent("", "");
            }
        }
        return params;
    }

    public static ObjectNode error(String code, String reason) {
        return JSON.createObjectNode().put("reasonCode", code).put("reason", reason);
    }

    public static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    public static void send(HttpExchange ex, Refusal refusal) throws IOException {
        if (refusal.closeConnection) {
            ex.getResponseHeaders().set("Connection", "close");
        }
        send(ex, refusal.status, error(refusal.reasonCode, refusal.getMessage()));
    }
}
