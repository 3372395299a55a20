package dev.cdiff.embedded.registry;

import dev.cdiff.platform.registry.SchemaRegistryClient;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A before-handler that lets GET, HEAD and the two read-only POSTs through and asks every other request for the
 * registry writer's HTTP Basic credentials, answering 401 as Confluent's registry does (error_code 401) before the
 * request body is read, so an outsider can neither register, evolve, reconfigure nor delete a schema.
 */
final class WriterAuthentication implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(WriterAuthentication.class);
    private static final byte[] REFUSAL = ("{\"error_code\":401,\"message\":\"Unauthorized: writing to the schema"
            + " registry needs the services' credentials\"}").getBytes(StandardCharsets.UTF_8);
    private final byte[] expected;

    WriterAuthentication(String expectedHeader) {
        this.expected = expectedHeader.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(Context ctx) {
        HandlerType method = ctx.method();
        if (method.equals(HandlerType.GET) || method.equals(HandlerType.HEAD) || readOnlyPost(method, ctx.path())
                || authorized(ctx)) {
            return;
        }
        LOG.warn("registry refused unauthenticated {} {} from {}", method.name(), ctx.path(), ctx.ip());
        ctx.status(401).contentType(SchemaRegistryClient.CONTENT_TYPE)
                .header("WWW-Authenticate", "Basic realm=\"cdiff-schema-registry\"").result(REFUSAL);
        ctx.skipRemainingHandlers();
    }

    /**
     * Confluent's clients look a schema's id up with {@code POST /subjects/<subject>} and test compatibility with
     * {@code POST /compatibility/...}: both only read, and a producer that does not register needs the first.
     */
    private static boolean readOnlyPost(HandlerType method, String path) {
        return method.equals(HandlerType.POST) && (path.matches("/subjects/[^/]+/?") || path.startsWith("/compatibility/"));
    }

    private boolean authorized(Context ctx) {
        String given = ctx.header("Authorization");
        return given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8));
    }
}
