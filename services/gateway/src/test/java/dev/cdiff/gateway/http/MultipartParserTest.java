package dev.cdiff.gateway.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultipartParserTest {
    private static byte[] body(String boundary, byte[] binary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("preamble\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"classWord\"\r\n\r\n"
                + "dog\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; "
                + "filename=\"C:\\\\photos\\\\a;b.png\"\r\nContent-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(binary);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void parsesFieldsAndBinaryFilesKeepingOnlyTheBaseName() {
        // binary content containing CRLF and dashes must survive untouched
        byte[] binary = {(byte) 0x89, 'P', '\r', '\n', '-', '-', 0, (byte) 0xFF, '\r', '\n'};
        String boundary = MultipartParser.boundary("multipart/form-data; boundary=\"xyz123\"");
        assertEquals("xyz123", boundary);
        List<MultipartPart> parts = MultipartParser.parse(body(boundary, binary), boundary);
        assertEquals(2, parts.size());
        assertEquals("classWord", parts.get(0).name());
        assertFalse(parts.get(0).isFile());
        assertEquals("dog", parts.get(0).text());
        assertNull(parts.get(0).fileName());
        assertTrue(parts.get(1).isFile());
        assertEquals("a;b.png", parts.get(1).fileName());
        assertEquals("image/png", parts.get(1).contentType());
        assertArrayEquals(binary, parts.get(1).body());
    }

    @Test
    void rejectsWhatIsNotWellFormedMultipart() {
        assertThrows(MalformedMultipartException.class, () -> MultipartParser.boundary("application/json"));
        assertThrows(MalformedMultipartException.class, () -> MultipartParser.boundary("multipart/form-data"));
        assertThrows(MalformedMultipartException.class, () -> MultipartParser.boundary(null));
        byte[] ok = body("b1", new byte[]{1, 2, 3});
        MalformedMultipartException unterminated = assertThrows(MalformedMultipartException.class,
                () -> MultipartParser.parse(java.util.Arrays.copyOf(ok, ok.length - 12), "b1"));
        assertTrue(unterminated.getMessage().contains("not terminated"), unterminated.getMessage());
        assertThrows(MalformedMultipartException.class,
                () -> MultipartParser.parse("no boundary here".getBytes(StandardCharsets.UTF_8), "b1"));
    }
}
