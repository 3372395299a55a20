package dev.cdiff.gateway.http;

/** The request body is not well-formed multipart/form-data; the message says what is wrong. */
public class MalformedMultipartException extends RuntimeException {
    public MalformedMultipartException(String message) {
        super(message);
    }
}
