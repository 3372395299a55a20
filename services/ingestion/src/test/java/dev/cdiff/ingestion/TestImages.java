package dev.cdiff.ingestion;

import dev.cdiff.ingestion.validate.SubmittedImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/** Images made in code for tests: distinct pictures, a crafted decompression bomb header, stored WebP fixtures. */
public final class TestImages {
    private TestImages() {
    }

    /** A w x h image whose colours depend on {@code seed}, so different seeds give different files. */
    public static BufferedImage picture(int w, int h, int seed, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / Math.max(1, w - 1) + seed * 37) & 0xFF;
                int g = (y * 255 / Math.max(1, h - 1) + seed * 91) & 0xFF;
                int b = ((x + y) * 3 + seed * 53) & 0xFF;
                img.setRGB(x, y, 0xFF000000 | (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    public static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] png(int w, int h, int seed) {
        return encode(picture(w, h, seed, BufferedImage.TYPE_INT_RGB), "png");
    }

    public static byte[] jpeg(int w, int h, int seed) {
        return encode(picture(w, h, seed, BufferedImage.TYPE_INT_RGB), "jpeg");
    }

    /** {@code n} distinct PNGs named img-0.png ... */
    public static List<SubmittedImage> distinctPngs(int n, int w, int h) {
        List<SubmittedImage> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new SubmittedImage("img-" + i + ".png", png(w, h, i + 1)));
        }
        return list;
    }

    /**
     * A valid-looking PNG whose header claims {@code w x h} pixels but whose data is a few bytes: what a
     * decompression bomb looks like to a header reader.
     */
    public static byte[] pngHeaderClaiming(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[]{0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    public static byte[] resource(String name) {
        try (InputStream in = TestImages.class.getResourceAsStream("/images/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource images/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
