package dev.cdiff.platform.kafka;

/** Processing can never succeed for this input (invalid content, unknown reference…): dead-letter it at once. */
public class NonRetryableException extends RuntimeException {
    public NonRetryableException(String message) {
        super(message);
    }

    public NonRetryableException(String message, Throwable cause) {
        super(message, cause);
    }
}
