package dev.cdiff.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A small RFC 7578 multipart/form-data parser over a body already read into memory (the HTTP layer bounds its size).
 * Only what browsers and curl send is supported: CRLF line ends, Content-Disposition with name and filename.
 */
public final class MultipartParser {
    private MultipartParser() {
    }

    /** Boundary parameter of a multipart/form-data Content-Type header. */
    public static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw new MalformedMultipartException("Content-Type must be multipart/form-data, got "
                    + (contentType == null ? "none" : "'" + contentType + "'"));
        }
        for (String param : contentType.split(";")) {
            String p = param.strip();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = unquote(p.substring("boundary=".length()));
                if (b.isEmpty() || b.length() > 70) {
                    throw new MalformedMultipartException("multipart boundary must be 1-70 characters");
                }
                return b;
            }
        }
        throw new MalformedMultipartException("multipart/form-data Content-Type has no boundary parameter");
    }

    public static List<MultipartPart> parse(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, delimiter, 0);
        if (pos < 0) {
            throw new MalformedMultipartException("multipart body does not contain its boundary");
        }
        List<MultipartPart> parts = new ArrayList<>();
        byte[] nextDelimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        while (true) {
            int after = pos + delimiter.length;
            if (after + 1 < body.length && body[after] == '-' && body[after + 1] == '-') {
                return parts;
            }
            int lineEnd = indexOf(body, new byte[]{'\r', '\n'}, after);
            if (lineEnd < 0) {
                throw new MalformedMultipartException("multipart body ends inside a boundary line");
            }
            int headersEnd = indexOf(body, new byte[]{'\r', '\n', '\r', '\n'}, lineEnd);
            if (headersEnd < 0) {
                throw new MalformedMultipartException("multipart part has no end of headers");
            }
            String headers = new String(body, lineEnd + 2, headersEnd - lineEnd - 2, StandardCharsets.UTF_8);
            int contentStart = headersEnd + 4;
            int end = indexOf(body, nextDelimiter, contentStart);
            if (end < 0) {
                throw new MalformedMultipartException("multipart part is not terminated by the boundary");
            }
            parts.add(part(headers, Arrays.copyOfRange(body, contentStart, end)));
            pos = end + 2;
        }
    }

    private static MultipartPart part(String headers, byte[] content) {
        String name = null;
        String fileName = null;
        String contentType = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String header = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (header.equals("content-disposition")) {
                for (String param : splitParams(value)) {
                    String p = param.strip();
                    int eq = p.indexOf('=');
                    if (eq < 0) {
                        continue;
                    }
                    String key = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                    if (key.equals("name")) {
                        name = unquote(p.substring(eq + 1).strip());
                    } else if (key.equals("filename")) {
                        fileName = baseName(unquote(p.substring(eq + 1).strip()));
                    }
                }
            } else if (header.equals("content-type")) {
                contentType = value;
            }
        }
        if (name == null) {
            throw new MalformedMultipartException("multipart part has no Content-Disposition name");
        }
        return new MultipartPart(name, fileName, contentType, content);
    }

    /** Splits on ';' outside double quotes (file names may contain ';'). */
    private static List<String> splitParams(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ';' && !quoted) {
                out.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        out.add(current.toString());
        return out;
    }

    /** Clients may send a path; only the last segment is kept so it is safe to show and log. */
    private static String baseName(String fileName) {
        int slash = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
        return slash >= 0 ? fileName.substring(slash + 1) : fileName;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            return s.substring(1, s.length() - 1).replace("\\\"", "\"");
        }
        return s;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
