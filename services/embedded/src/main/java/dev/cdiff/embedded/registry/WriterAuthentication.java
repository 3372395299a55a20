package dev.cdiff.embedded.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.cdiff.platform.registry.SchemaRegistryClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Lets GET, HEAD and the two read-only POSTs through and asks every other request for the registry writer's HTTP Basic credentials, answering
 * 401 as Confluent's registry does (error_code 401) before the request body is read, so an outsider can neither
 * register, evolve, reconfigure nor delete a schema.
 */
final class WriterAuthentication implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(WriterAuthentication.class);
    private final HttpHandler next;
    private final byte[] expected;

    WriterAuthentication(HttpHandler next, String expectedHeader) {
        this.next = next;
        this.expected = expectedHeader.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD") || readOnlyPost(method, exchange.getRequestURI().getRawPath())
                || authorized(exchange)) {
            next.handle(exchange);
            return;
        }
        try (exchange) {
            LOG.warn("registry refused unauthenticated {} {} from {}", method, exchange.getRequestURI().getRawPath(),
                    exchange.getRemoteAddress());
            byte[] body = "{\"error_code\":401,\"message\":\"Unauthorized: writing to the schema registry needs the services' credentials\"}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", SchemaRegistryClient.CONTENT_TYPE);
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"cdiff-schema-registry\"");
            exchange.sendResponseHeaders(401, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /**
     * Confluent's clients look a schema's id up with {@code POST /subjects/<subject>} and test compatibility with
     * {@code POST /compatibility/...}: both only read, and a producer that does not register needs the first.
     */
    private static boolean readOnlyPost(String method, String path) {
        return method.equals("POST") && (path.matches("/subjects/[^/]+/?") || path.startsWith("/compatibility/"));
    }

    private boolean authorized(HttpExchange exchange) {
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        return given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8));
    }
}
