package dev.cdiff.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The gateway's JSON answers and refusals, and its reading of a raw query string. */
public final class HttpIo {
    public static final ObjectMapper JSON = new ObjectMapper();

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

    /** First value of each parameter; a pair that does not decode becomes an empty name, which no check accepts. */
    public static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
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

    public static void send(Context ctx, int status, JsonNode body) {
        ctx.status(status).header("Cache-Control", "no-store").contentType("application/json; charset=utf-8")
                .result(body.toString());
    }

    public static void send(Context ctx, Refusal refusal) {
        if (refusal.closeConnection) {
            ctx.header("Connection", "close");
        }
        send(ctx, refusal.status, error(refusal.reasonCode, refusal.getMessage()));
    }
}
