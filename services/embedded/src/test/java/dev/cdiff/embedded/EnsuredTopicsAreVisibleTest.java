package dev.cdiff.embedded;

import dev.cdiff.platform.kafka.TopicDefinition;
import dev.cdiff.platform.kafka.TopicDefinitions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A service creates its topics and describes them at once (the orchestrator checks co-partitioning right after).
 * The controller acknowledges a creation before the broker's metadata cache has it, so a describe in that window
 * answered UnknownTopicOrPartition and stopped a start in CI. ensureTopics returns only once every created topic
 * is described with a leader for each partition.
 */
class EnsuredTopicsAreVisibleTest {

    @TempDir
    Path workspace;

    @Test
    void everyCreatedTopicIsDescribableWithLeadersWhenEnsureTopicsReturns() throws Exception {
        List<TopicDefinition> definitions = TopicDefinitions.loadDefault();
        try (EmbeddedKafka kafka = new EmbeddedKafka(workspace).start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            for (int round = 0; round < 8; round++) {
                String prefix = "round" + round + ".";
                List<String> created = TopicDefinitions.ensureTopics(admin, definitions, prefix, (short) 1);
                assertEquals(definitions.size(), created.size(), "round " + round + " creates every topic");
                Map<String, TopicDescription> described = admin.describeTopics(created).allTopicNames()
                        .get(5, TimeUnit.SECONDS);
                for (TopicDefinition d : definitions) {
                    TopicDescription topic = described.get(prefix + d.name());
                    assertNotNull(topic, prefix + d.name());
                    assertEquals(d.partitions(), topic.partitions().size(), topic.name());
                    topic.partitions().forEach(p ->
                            assertNotNull(p.leader(), topic.name() + " partition " + p.partition()));
                }
                assertEquals(List.of(), TopicDefinitions.ensureTopics(admin, definitions, prefix, (short) 1),
                        "a second call finds them all and creates nothing");
            }
        }
    }
}
