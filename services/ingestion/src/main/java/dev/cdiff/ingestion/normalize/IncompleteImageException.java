package dev.cdiff.ingestion.normalize;

import java.io.IOException;

/** The decoder reached the end of the data, or damaged data, before the end of the picture. */
public final class IncompleteImageException extends IOException {
    public IncompleteImageException(String message) {
        super(message);
    }
}
