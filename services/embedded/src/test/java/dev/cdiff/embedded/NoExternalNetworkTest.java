package dev.cdiff.embedded;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.StoredArtifact;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the whole local stack (broker, S3, schema registry), a Kafka and an S3 round trip, and a DJL PyTorch
 * engine start under {@link ConnectionGuard}, and fails if anything asked for a non-loopback address. Before
 * that, it proves the guard sees (and stops) attempts through each path the stack uses: classic sockets
 * (OkHttp/MinIO, HttpURLConnection/DJL), NIO channels (Kafka) and host-name lookups.
 */
class NoExternalNetworkTest {

    private static final String UNROUTABLE = "10.255.255.1";

    @TempDir
    Path workspace;

    /** Records every URI the JDK's URL-based clients route, as a third witness. */
    static final class RecordingProxySelector extends ProxySelector {
        final List<URI> uris = Collections.synchronizedList(new ArrayList<>());
        final ProxySelector delegate;

        RecordingProxySelector(ProxySelector delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<Proxy> select(URI uri) {
            uris.add(uri);
            return delegate == null ? List.of(Proxy.NO_PROXY) : delegate.select(uri);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            if (delegate != null) {
                delegate.connectFailed(uri, sa, ioe);
            }
        }
    }

    @Test
    @SuppressWarnings("removal")
    void stackAndEngineStayOnLoopback() throws Exception {
        assertEquals("true", System.getenv("DJL_OFFLINE"), "surefire must set DJL_OFFLINE=true");
        assertEquals("true", System.getenv("OPT_OUT_TRACKING"), "surefire must set OPT_OUT_TRACKING=true");

        ConnectionGuard guard = new ConnectionGuard();
        ProxySelector previousSelector = ProxySelector.getDefault();
        RecordingProxySelector selector = new RecordingProxySelector(previousSelector);
        ProcessSocketSampler sampler = ProcessSocketSampler.supported() ? new ProcessSocketSampler(25) : null;
        System.setSecurityManager(guard);
        ProxySelector.setDefault(selector);
        try {
            proveTheGuardSeesEveryPath(guard);
            guard.clear();
            if (sampler != null) {
                sampler.start();
            }

            long t0 = System.nanoTime();
            EmbeddedStack stack = EmbeddedStack.start(workspace);
            int kafkaPort;
            int s3Port;
            try {
                kafkaPort = port(stack.bootstrapServers());
                s3Port = URI.create(stack.s3Endpoint()).getPort();
                exerciseKafka(stack);
                exerciseS3(stack);
                HttpResponse<String> subjects = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(stack.schemaRegistryUrl() + "/subjects")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, subjects.statusCode());
            } finally {
                stack.close();
            }
            System.out.printf("stack start + round trips + stop: %d ms%n", (System.nanoTime() - t0) / 1_000_000);

            long t1 = System.nanoTime();
            Engine engine = Engine.getEngine("PyTorch");
            try (NDManager manager = engine.newBaseManager()) {
                NDArray x = manager.create(new float[] {1f, 2f, 3f});
                assertEquals(14f, x.mul(x).sum().getFloat(), 1e-6f);
            }
            System.out.printf("DJL PyTorch engine %s start + op: %d ms%n", engine.getVersion(),
                    (System.nanoTime() - t1) / 1_000_000);

            List<String> attempts = guard.attempts();
            assertTrue(attempts.stream().anyMatch(a -> a.endsWith(":" + kafkaPort)),
                    "the guard saw the Kafka connections (NIO): " + attempts);
            assertTrue(attempts.stream().anyMatch(a -> a.endsWith(":" + s3Port)),
                    "the guard saw the S3 connections (OkHttp): " + attempts);
            assertEquals(List.of(), guard.violations(), "non-loopback network access was attempted");
            for (URI uri : selector.uris) {
                assertTrue(ConnectionGuard.isLoopback(uri.getHost()), "routed a non-loopback URI: " + uri);
            }
        } finally {
            System.setSecurityManager(null);
            ProxySelector.setDefault(previousSelector);
            if (sampler != null) {
                sampler.close();
            }
        }
        if (sampler != null) {
            System.out.printf("socket sampler: %d samples, remote endpoints seen: %s%n", sampler.samples(), sampler.remotes());
            assertTrue(sampler.samples() > 10, "the sampler ran");
            assertEquals(List.of(), sampler.nonLoopbackRemotes(), "a socket of this process had a non-loopback peer");
        }
        System.out.println("connection checks seen: " + guard.attempts().size() + ", distinct: "
                + guard.attempts().stream().distinct().sorted().toList());
    }

    private static void proveTheGuardSeesEveryPath(ConnectionGuard guard) throws Exception {
        assertThrows(SecurityException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(UNROUTABLE, 9), 200);
            }
        }, "classic socket connect to " + UNROUTABLE);
        assertThrows(SecurityException.class, () -> {
            try (SocketChannel ch = SocketChannel.open()) {
                ch.connect(new InetSocketAddress(UNROUTABLE, 9));
            }
        }, "NIO channel connect to " + UNROUTABLE);
        assertThrows(SecurityException.class, () -> InetAddress.getByName("cdiff-guard-probe.invalid"),
                "host-name lookup");
        List<String> seen = guard.violations();
        assertEquals(3, seen.size(), "each blocked attempt is recorded: " + seen);
        assertTrue(seen.get(0).startsWith(UNROUTABLE + ":9"), seen.get(0));
        assertTrue(seen.get(1).startsWith(UNROUTABLE + ":9"), seen.get(1));
        assertTrue(seen.get(2).startsWith("cdiff-guard-probe.invalid:-1"), seen.get(2));

        // loopback stays allowed, so the stack can run under the guard
        try (Socket s = new Socket()) {
            IOException refusedOrOk = null;
            try {
                s.connect(new InetSocketAddress("127.0.0.1", 1), 200);
            } catch (IOException e) {
                refusedOrOk = e;
            }
            assertTrue(refusedOrOk == null || !(refusedOrOk.getCause() instanceof SecurityException));
        }
        assertEquals(3, guard.violations().size());
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static void exerciseKafka(EmbeddedStack stack) {
        ServiceConfig config = stack.adminConfig().with(ServiceConfig.SERVICE_NAME, "network-test");
        KafkaClients clients = new KafkaClients(config);
        try (KafkaProducer<String, String> p = clients.producer(new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>("concept-submitted", "job-1", "hello")).get();
        } catch (Exception e) {
            throw new AssertionError("produce failed", e);
        }
        try (KafkaConsumer<String, String> c = clients.consumer("network-test", new StringDeserializer(),
                new StringDeserializer())) {
            c.subscribe(List.of("concept-submitted"));
            List<String> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (got.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    got.add(r.value());
                }
            }
            assertEquals(List.of("hello"), got);
        }
    }

    private static void exerciseS3(EmbeddedStack stack) {
        ArtifactStore store = ArtifactStore.fromConfig(stack.adminConfig().with(ServiceConfig.SERVICE_NAME, "network-test"));
        byte[] bytes = "offline".getBytes(StandardCharsets.UTF_8);
        StoredArtifact a = store.put("t", "probe", bytes, "txt", "text/plain");
        assertArrayEquals(bytes, store.getVerified(a));
    }
}
