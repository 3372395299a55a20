package dev.cdiff.ingestion.normalize;

import dev.cdiff.ingestion.TestImages;
import dev.cdiff.ingestion.validate.ImageFormat;
import dev.cdiff.ingestion.validate.ImageHeader;
import dev.cdiff.ingestion.validate.SubmittedImage;
import dev.cdiff.ingestion.validate.ValidatedImage;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExifOrientationTest {
    /** A JPEG with an APP1 Exif segment (big- or little-endian TIFF) carrying only the Orientation tag. */
    static byte[] withOrientation(byte[] jpeg, int orientation, boolean little) {
        ByteBuffer tiff = ByteBuffer.allocate(26).order(little ? java.nio.ByteOrder.LITTLE_ENDIAN
                : java.nio.ByteOrder.BIG_ENDIAN);
        tiff.put((byte) (little ? 'I' : 'M')).put((byte) (little ? 'I' : 'M')).putShort((short) 42).putInt(8);
        tiff.putShort((short) 1).putShort((short) 0x0112).putShort((short) 3).putInt(1)
                .putShort((short) orientation).putShort((short) 0).putInt(0);
        byte[] exif = new byte[6 + tiff.capacity()];
        System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
        System.arraycopy(tiff.array(), 0, exif, 6, tiff.capacity());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xFF);
        out.write(0xD8);
        out.write(0xFF);
        out.write(0xE1);
        out.write((exif.length + 2) >> 8);
        out.write((exif.length + 2) & 0xFF);
        out.writeBytes(exif);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** 40x20: left half red, right half blue. */
    static byte[] halves() {
        BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, x < 20 ? 0xFF0000 : 0x0000FF);
            }
        }
        return TestImages.encode(img, "jpeg");
    }

    @Test
    void readsTheTagInBothByteOrders() {
        byte[] plain = halves();
        assertEquals(1, ExifOrientation.of(plain));
        for (int o = 1; o <= 8; o++) {
            assertEquals(o, ExifOrientation.of(withOrientation(plain, o, false)));
            assertEquals(o, ExifOrientation.of(withOrientation(plain, o, true)));
        }
        assertEquals(1, ExifOrientation.of(new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0x7F}));
    }

    @Test
    void aRotatedPhotoIsNormalisedUpright() throws Exception {
        byte[] jpeg = withOrientation(halves(), 6, false);
        ImageHeader header = ImageHeader.read(ImageFormat.JPEG, jpeg);
        byte[] png = new ImageNormalizer(20).normalize(new ValidatedImage(new SubmittedImage("p.jpg", jpeg), header,
                "x"));
        BufferedImage out = ImageIO.read(new ByteArrayInputStream(png));
        // rotated 90 degrees clockwise the picture is portrait: red on top, blue below
        int top = out.getRGB(10, 3);
        int bottom = out.getRGB(10, 16);
        assertTrue(((top >> 16) & 0xFF) > 150 && (top & 0xFF) < 100, Integer.toHexString(top));
        assertTrue((bottom & 0xFF) > 150 && ((bottom >> 16) & 0xFF) < 100, Integer.toHexString(bottom));
    }

    @Test
    void everyOrientationMapsCornersLikeTheExifSpecification() {
        BufferedImage src = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        src.setRGB(0, 0, 1); // the stored top-left pixel
        int[][] expectedTopLeftPosition = {{0, 0}, {0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 2}, {0, 2}};
        for (int o = 1; o <= 8; o++) {
            BufferedImage r = ExifOrientation.apply(src, o);
            int[] at = expectedTopLeftPosition[o];
            assertEquals(1, r.getRGB(at[0], at[1]) & 0xFFFFFF, "orientation " + o);
            assertEquals(o >= 5 ? 2 : 3, r.getWidth(), "orientation " + o);
        }
    }
}
