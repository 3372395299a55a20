package dev.cdiff.embedded;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An S3-compatible endpoint (S3Proxy) on 127.0.0.1 whose buckets are folders under a workspace folder,
 * so objects survive restarts. Signature V2 and V4 are both accepted with one fixed key pair.
 *
 * <p>The filesystem store has neither object tags nor versioning: callers must not rely on them.
 */
public final class EmbeddedS3 implements AutoCloseable {

    public static final String DEFAULT_ACCESS_KEY = "cdiff-local";
    public static final String DEFAULT_SECRET_KEY = "cdiff-local-secret";

    private final Path workspace;
    private final int requestedPort;
    private final String accessKey;
    private final String secretKey;
    private S3Proxy proxy;
    private int port;

    /**
     * @param workspace folder whose {@code buckets/} sub-folder holds one folder per bucket
     * @param port port to listen on, or 0 for a free one at each start
     */
    public EmbeddedS3(Path workspace, int port, String accessKey, String secretKey) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
            throw new IllegalArgumentException("S3 access key and secret key must not be blank");
        }
        this.workspace = workspace.toAbsolutePath();
        this.requestedPort = port;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    public EmbeddedS3(Path workspace, int port) {
        this(workspace, port, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY);
    }

    public EmbeddedS3(Path workspace) {
        this(workspace, 0);
    }

    public synchronized EmbeddedS3 start() {
        if (proxy != null) {
            throw new IllegalStateException("EmbeddedS3 already started at " + endpoint());
        }
        Path buckets = workspace.resolve("buckets");
        try {
            Files.createDirectories(buckets);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create S3 data folder " + buckets, e);
        }
        S3Proxy started = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(buckets.toString()))
                .endpoint(URI.create("http://" + EmbeddedKafka.LOOPBACK + ":" + requestedPort))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .ignoreUnknownHeaders(true)
                .build();
        try {
            started.start();
            waitUntilStarted(started);
        } catch (Exception e) {
            stopQuietly(started);
            throw new IllegalStateException("S3Proxy failed to start on 127.0.0.1:" + requestedPort, e);
        }
        proxy = started;
        port = started.getPort();
        return this;
    }

    private static void waitUntilStarted(S3Proxy started) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(started.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not reach STARTED, state " + started.getState());
            }
            Thread.sleep(10);
        }
    }

    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy failed to stop", e);
        } finally {
            proxy = null;
        }
    }

    private static void stopQuietly(S3Proxy p) {
        try {
            p.stop();
        } catch (Exception ignored) {
            // already failing to start; the start error is the one worth reporting
        }
    }

    @Override
    public void close() {
        stop();
    }

    public synchronized boolean isRunning() {
        return proxy != null;
    }

    /** {@code http://127.0.0.1:<port>} of the running endpoint. */
    public synchronized String endpoint() {
        if (proxy == null) {
            throw new IllegalStateException("EmbeddedS3 is not running");
        }
        return "http://" + EmbeddedKafka.LOOPBACK + ":" + port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public Path workspace() {
        return workspace;
    }
}
