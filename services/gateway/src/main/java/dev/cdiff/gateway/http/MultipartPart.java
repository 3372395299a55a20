package dev.cdiff.gateway.http;

import java.nio.charset.StandardCharsets;

/** One part of a multipart/form-data body: the form field name, the file name when it is a file, its bytes. */
public record MultipartPart(String name, String fileName, String contentType, byte[] body) {
    public boolean isFile() {
        return fileName != null;
    }

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
