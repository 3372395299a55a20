package dev.cdiff.ingestion.validate;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Width and height of an image as its header states them. Reading only the header lets a decompression bomb (a small
 * file that inflates to gigapixels) be refused before a single pixel buffer is allocated.
 */
public record ImageHeader(ImageFormat format, int width, int height) {

    public long pixels() {
        return (long) width * height;
    }

    /** Reads the header with the reader of the sniffed format (never ImageIO's own guess). */
    public static ImageHeader read(ImageFormat format, byte[] bytes) throws IOException {
        ImageReader reader = readerFor(format);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new IOException("header states a non-positive size " + width + "x" + height);
            }
            return new ImageHeader(format, width, height);
        } finally {
            reader.dispose();
        }
    }

    /** A fresh reader for the format; fails clearly when the plugin is missing from the class path. */
    public static ImageReader readerFor(ImageFormat format) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
        if (!readers.hasNext()) {
            throw new IllegalStateException("no ImageIO reader for " + format + " on the class path"
                    + (format == ImageFormat.WEBP ? " (com.twelvemonkeys.imageio:imageio-webp provides it)" : ""));
        }
        return readers.next();
    }
}
