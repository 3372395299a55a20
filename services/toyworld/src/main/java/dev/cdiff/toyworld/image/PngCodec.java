package dev.cdiff.toyworld.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * Writes 8-bit RGB PNGs with uncompressed (stored) deflate blocks. Compression output depends on the zlib
 * build, stored blocks do not, so the same image gives the same bytes on every machine.
 */
public final class PngCodec {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int MAX_STORED_BLOCK = 65535;

    private PngCodec() {}

    public static byte[] encode(ToyImage image) {
        int w = image.width();
        int h = image.height();
        byte[] raw = new byte[h * (1 + 3 * w)];
        int k = 0;
        for (int y = 0; y < h; y++) {
            raw[k++] = 0; // filter type None
            for (int x = 0; x < w; x++) {
                int p = image.get(x, y);
                raw[k++] = (byte) (p >> 16);
                raw[k++] = (byte) (p >> 8);
                raw[k++] = (byte) p;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + 128);
        out.writeBytes(SIGNATURE);
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        writeInt(ihdr, w);
        writeInt(ihdr, h);
        ihdr.write(8);  // bit depth
        ihdr.write(2);  // colour type RGB
        ihdr.write(0);  // deflate
        ihdr.write(0);  // adaptive filtering
        ihdr.write(0);  // no interlace
        writeChunk(out, "IHDR", ihdr.toByteArray());
        writeChunk(out, "IDAT", storedZlib(raw));
        writeChunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static byte[] storedZlib(byte[] data) {
        ByteArrayOutputStream z = new ByteArrayOutputStream(data.length + data.length / MAX_STORED_BLOCK * 5 + 16);
        z.write(0x78);
        z.write(0x01);
        int pos = 0;
        do {
            int len = Math.min(MAX_STORED_BLOCK, data.length - pos);
            boolean last = pos + len == data.length;
            z.write(last ? 1 : 0);
            z.write(len & 0xff);
            z.write((len >> 8) & 0xff);
            z.write(~len & 0xff);
            z.write((~len >> 8) & 0xff);
            z.write(data, pos, len);
            pos += len;
        } while (pos < data.length);
        Adler32 adler = new Adler32();
        adler.update(data);
        writeInt(z, (int) adler.getValue());
        return z.toByteArray();
    }

    private static void writeChunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        writeInt(out, data.length);
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        writeInt(out, (int) crc.getValue());
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}
