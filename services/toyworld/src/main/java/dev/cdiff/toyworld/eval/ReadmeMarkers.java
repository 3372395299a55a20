package dev.cdiff.toyworld.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The part of a Markdown file between {@code <!-- toy-eval:begin -->} and {@code <!-- toy-eval:end -->}, which
 * {@code cdiff eval --readme} owns; everything outside the markers is left byte for byte as it was.
 */
public final class ReadmeMarkers {
    public static final String BEGIN = "<!-- toy-eval:begin -->";
    public static final String END = "<!-- toy-eval:end -->";

    private ReadmeMarkers() {}

    /** {@code text} with the part between the markers replaced by {@code content}. */
    public static String replace(String text, String content) {
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < 0) {
            throw new IllegalArgumentException("the file has no " + (begin < 0 ? BEGIN : END) + " marker; put "
                + BEGIN + " and " + END + " on their own lines where the toy-eval evidence belongs");
        }
        if (text.indexOf(BEGIN, begin + 1) >= 0 || text.indexOf(END, end + 1) >= 0) {
            throw new IllegalArgumentException("the file has more than one " + BEGIN + " or " + END + " marker");
        }
        if (end < begin) throw new IllegalArgumentException(END + " comes before " + BEGIN);
        String body = content.endsWith("\n") ? content : content + "\n";
        return text.substring(0, begin + BEGIN.length()) + "\n" + body + text.substring(end);
    }

    /** Fails the same way {@link #replaceIn} would, without writing: to check before a long run. */
    public static void check(Path file) throws IOException {
        replace(read(file), "");
    }

    public static void replaceIn(Path file, String content) throws IOException {
        String updated = replace(read(file), content);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, updated, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no README at " + file);
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
