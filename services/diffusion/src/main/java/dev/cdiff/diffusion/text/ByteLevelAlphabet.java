package dev.cdiff.diffusion.text;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2/CLIP byte-level alphabet: every byte maps to one printable unicode character, so BPE works
 * on any UTF-8 input without an unknown-character case. Printable Latin-1 bytes map to themselves,
 * the rest to code points from 256 upward in byte order.
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = build();

    private ByteLevelAlphabet() {
    }

    private static char[] build() {
        char[] table = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            if (printable[b]) {
                table[b] = (char) b;
            } else {
                table[b] = (char) (256 + next++);
            }
        }
        return table;
    }

    /** Inverse of {@link #encode}: byte-level characters back to text (invalid UTF-8 replaced). */
    static String decode(String byteLevel) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < byteLevel.length(); i++) {
            char c = byteLevel.charAt(i);
            int b = -1;
            for (int k = 0; k < 256; k++) {
                if (BYTE_TO_CHAR[k] == c) {
                    b = k;
                    break;
                }
            }
            if (b < 0) {
                byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(raw, 0, raw.length);
            } else {
                out.write(b);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static String encode(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xff]);
        }
        return sb.toString();
    }
}
