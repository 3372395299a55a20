package dev.cdiff.embedded.registry;

import dev.cdiff.embedded.EmbeddedKafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** One real broker per test class, in a throw-away workspace. */
final class KafkaFixture implements AutoCloseable {
    final Path workspace;
    final EmbeddedKafka kafka;

    KafkaFixture() {
        try {
            workspace = Files.createTempDirectory("registry-test-kafka");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        kafka = new EmbeddedKafka(workspace).start();
    }

    String bootstrap() {
        return kafka.bootstrapServers();
    }

    @Override
    public void close() {
        kafka.stop();
        try (Stream<Path> files = Files.walk(workspace)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
