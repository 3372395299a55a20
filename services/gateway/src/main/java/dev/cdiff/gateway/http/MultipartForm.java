package dev.cdiff.gateway.http;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A multipart/form-data request as parts, parsed by Jetty under the limits of the server's multipart config and
 * within the body deadline. Text fields come first, in the order the client sent each name's values, then files.
 */
public final class MultipartForm {
    private MultipartForm() {
    }

    public static List<MultipartPart> parts(Context ctx, BodyDeadline deadline, long maxBytes)
            throws HttpIo.Refusal, Exception {
        String type = ctx.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")
                || !type.toLowerCase(Locale.ROOT).contains("boundary=")) {
            throw new HttpIo.Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "send multipart/form-data with a boundary", true);
        }
        GatewayHttpApi.refuseDeclaredLength(ctx, maxBytes, deadline);
        return deadline.read(ctx, () -> {
            try {
                List<MultipartPart> parts = new ArrayList<>();
                for (Map.Entry<String, List<String>> field : ctx.formParamMap().entrySet()) {
                    for (String value : field.getValue()) {
                        parts.add(new MultipartPart(field.getKey(), null, null,
                                value.getBytes(StandardCharsets.UTF_8)));
                    }
                }
                for (Map.Entry<String, List<UploadedFile>> field : ctx.uploadedFileMap().entrySet()) {
                    for (UploadedFile file : field.getValue()) {
                        try (InputStream in = file.content()) {
                            parts.add(new MultipartPart(field.getKey(), file.filename(), file.contentType(),
                                    in.readAllBytes()));
                        }
                    }
                }
                return parts;
            } catch (RuntimeException | IOException e) {
                throw refusal(e, maxBytes);
            }
        });
    }

    /** Jetty says why a body was not a form only in its messages: a size limit, or anything else malformed. */
    private static Exception refusal(Exception e, long maxBytes) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("exceeds") || m.contains("too large") || m.contains("max")) {
                return new HttpIo.Refusal(413, "REQUEST_TOO_LARGE", "the request body exceeds " + maxBytes
                        + " bytes; send fewer or smaller images", true);
            }
        }
        if (e instanceof IOException io && io.getClass().getName().contains("Eof")) {
            return io;
        }
        return new HttpIo.Refusal(400, "MALFORMED_REQUEST", "the body is not a well-formed multipart form");
    }
}
