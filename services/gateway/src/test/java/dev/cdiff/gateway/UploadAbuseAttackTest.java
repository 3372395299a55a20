package dev.cdiff.gateway;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.cdiff.gateway.GatewayAttackStack.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads that try to exhaust the gateway: bodies over the limit, a Content-Length that claims a terabyte, a body
 * trickled byte by byte and one that stops arriving. Each is cut off within a bounded time and stores nothing.
 * Limits here: 100 kB per request, 1.5 s for a body.
 */
class UploadAbuseAttackTest {
    private static final long BODY_TIMEOUT_MS = 1500;
    @TempDir
    static Path workspace;
    static GatewayAttackStack s;

    @BeforeAll
    static void start() throws Exception {
        s = new GatewayAttackStack(workspace, Map.of(GatewaySettings.MAX_UPLOAD_BYTES, "100000",
                GatewaySettings.BODY_TIMEOUT_MS, Long.toString(BODY_TIMEOUT_MS)));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void uploadWithinTheLimitIsAcceptedAndStored() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertEquals(202, s.upload(s.alphaKey, 4, 20_000, Map.of()).statusCode());
        Thread.sleep(300);
        assertEquals(before.objects().size() + 4, s.snapshot().objects().size(), "the control upload is stored");
    }

    @Test
    void oversizedUploadIsRefusedWith413() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        assertRefused(413, "REQUEST_TOO_LARGE", s.upload(s.alphaKey, 5, 40_000, Map.of()));
        s.assertNoSideEffect(before);
    }

    @Test
    void moderatelyOversizedBodyIsReadBeforeTheRefusalSoTheClientGetsIt() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        int length = 150_000; // over the 100 kB limit, within what the gateway still reads to answer
        try (Socket socket = open()) {
            write(socket, headers(length));
            // no answer while the body is outstanding: answering and closing now would reset the connection on the
            // bytes the client is still sending, and the client would lose the 413
            socket.setSoTimeout(500);
            try {
                int first = socket.getInputStream().read();
                throw new AssertionError("the server answered (" + first + ") before reading the body");
            } catch (java.net.SocketTimeoutException expected) {
                // still reading, as it should
            }
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(new byte[length]);
            socket.getOutputStream().flush();
            String answer = readAll(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("REQUEST_TOO_LARGE"), answer);
        }
        s.assertNoSideEffect(before);
    }

    @Test
    void terabyteContentLengthIsRefusedBeforeReading() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        try (Socket socket = open()) {
            write(socket, headers(1_000_000_000_000L));
            String answer = readAll(socket.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("REQUEST_TOO_LARGE"), answer);
        }
        s.assertNoSideEffect(before);
    }

    @Test
    void bodyTrickledByteByByteIsCutOffAtTheDeadline() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        AtomicBoolean writing = new AtomicBoolean(true);
        long start;
        String answer;
        try (Socket socket = open()) {
            write(socket, headers(50_000));
            start = System.nanoTime();
            Thread trickle = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    while (writing.get()) {
                        out.write('x');
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection: what the attack should come to
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            answer = readAll(socket.getInputStream());
            writing.set(false);
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMs >= BODY_TIMEOUT_MS - 100 && elapsedMs < BODY_TIMEOUT_MS + 4000,
                "cut off after " + elapsedMs + " ms");
        assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 408"), answer);
        s.assertNoSideEffect(before);
    }

    @Test
    void bodyThatStopsArrivingIsCutOffAtTheDeadline() throws Exception {
        GatewayAttackStack.Snapshot before = s.snapshot();
        long start = System.nanoTime();
        try (Socket socket = open()) {
            write(socket, headers(50_000));
            write(socket, "--b\r\n");
            readAll(socket.getInputStream());
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMs < BODY_TIMEOUT_MS + 4000, "connection held for " + elapsedMs + " ms");
        s.assertNoSideEffect(before);
    }

    private static Socket open() throws IOException {
        URI base = URI.create(s.base);
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static String headers(long contentLength) {
        return "POST /v1/concepts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + s.alphaKey
                + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Everything the server sends until it closes the connection. */
    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        } catch (java.net.SocketException e) {
            // a reset is a close too
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
