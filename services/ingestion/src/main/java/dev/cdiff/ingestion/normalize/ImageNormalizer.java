package dev.cdiff.ingestion.normalize;

import dev.cdiff.ingestion.validate.ImageHeader;
import dev.cdiff.ingestion.validate.ValidatedImage;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns an accepted upload into the training input: decoded, flattened to opaque RGB (transparency over white),
 * turned upright per the JPEG's EXIF orientation, center-cropped to a square and resized to {@code side} pixels,
 * encoded as PNG.
 */
public final class ImageNormalizer {
    private final int side;

    public ImageNormalizer(int side) {
        this.side = side;
    }

    public int side() {
        return side;
    }

    /** PNG bytes of the normalised image. */
    public byte[] normalize(ValidatedImage image) throws IOException {
        BufferedImage rgb = toRgb(decode(image));
        if (image.header().format() == dev.cdiff.ingestion.validate.ImageFormat.JPEG) {
            rgb = ExifOrientation.apply(rgb, ExifOrientation.of(image.source().bytes()));
        }
        return encodePng(squareResize(rgb, side));
    }

    /**
     * Decodes with the sniffed format's reader, refusing a truncated or damaged file (which decoders fill in rather
     * than fail on). Very large images are decoded subsampled (every n-th pixel) so the
     * pixel buffer stays near twice the output side; the smooth downscale afterwards removes the aliasing.
     */
    BufferedImage decode(ValidatedImage image) throws IOException {
        ImageHeader header = image.header();
        ImageReader reader = ImageHeader.readerFor(header.format());
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(image.source().bytes()))) {
            reader.setInput(in, true, true);
            ImageReadParam param = reader.getDefaultReadParam();
            int subsample = Math.max(1, Math.min(header.width(), header.height()) / (2 * side));
            if (subsample > 1) {
                param.setSourceSubsampling(subsample, subsample, 0, 0);
            }
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage decoded = reader.read(0, param);
            if (decoded == null) {
                throw new IOException("decoder returned no image");
            }
            for (String warning : warnings) {
                // a warning the decoder says it ignored is about metadata (a bad ICC profile, a thumbnail); any other
                // means pixel data is missing or damaged, and the decoder filled the rest in with grey
                if (warning == null || !warning.toLowerCase(Locale.ROOT).contains("ignored")) {
                    throw new IncompleteImageException("the file ends or breaks off before the picture does (decoder: "
                            + warning + ")");
                }
            }
            return decoded;
        } finally {
            reader.dispose();
        }
    }

    static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        BufferedImage rgb = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
            g.drawImage(src, 0, 0, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    /** Center crop to the largest square, then resize; downscaling halves repeatedly so no source pixel is skipped. */
    static BufferedImage squareResize(BufferedImage rgb, int side) {
        int crop = Math.min(rgb.getWidth(), rgb.getHeight());
        BufferedImage current = rgb.getSubimage((rgb.getWidth() - crop) / 2, (rgb.getHeight() - crop) / 2, crop, crop);
        int size = crop;
        while (size / 2 >= side) {
            size /= 2;
            current = scale(current, size, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        }
        if (size != side || current.getWidth() != side) {
            current = scale(current, side, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        }
        return current;
    }

    private static BufferedImage scale(BufferedImage src, int size, Object interpolation) {
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, size, size, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    public static byte[] encodePng(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
