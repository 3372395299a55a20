package dev.cdiff.embedded;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.kafka.KafkaClients;
import dev.cdiff.platform.kafka.TopicDefinitions;
import dev.cdiff.platform.store.ArtifactStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedStackTest {

    @TempDir
    Path workspace;

    @Test
    void startsEverythingCreatesTopicsAndRestartsOnTheSameData() throws Exception {
        int expectedTopics = TopicDefinitions.loadDefault().size();
        try (EmbeddedStack stack = EmbeddedStack.start(workspace)) {
            System.out.println("EmbeddedStack first start: " + stack.startupTime().toMillis() + " ms");
            assertEquals(expectedTopics, stack.createdTopics().size());
            try (Admin admin = new KafkaClients(stack.adminConfig()).admin()) {
                Set<String> names = admin.listTopics().names().get();
                assertTrue(names.containsAll(Topics.all().values()), "all event topics exist: " + names);
                TopicDescription submitted = admin.describeTopics(List.of(Topics.CONCEPT_SUBMITTED))
                        .allTopicNames().get().get(Topics.CONCEPT_SUBMITTED);
                assertEquals(3, submitted.partitions().size());
                ConfigResource schemas = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SCHEMAS);
                Config config = admin.describeConfigs(List.of(schemas)).all().get().get(schemas);
                assertEquals("compact", config.get("cleanup.policy").value());
            }
            ServiceConfig fromFile = ServiceConfig.fromFile(stack.envFile());
            assertEquals(stack.bootstrapServers(), fromFile.kafkaBootstrapServers());
            assertEquals(stack.s3Endpoint(), fromFile.s3Endpoint());
            ArtifactStore store = ArtifactStore.fromConfig(stack.adminConfig());
            store.putAt("probe", new byte[] {1, 2, 3}, "application/octet-stream");

            HttpResponse<String> subjects = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(stack.schemaRegistryUrl() + "/subjects")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, subjects.statusCode());
        }
        try (EmbeddedStack again = EmbeddedStack.start(workspace)) {
            System.out.println("EmbeddedStack restart: " + again.startupTime().toMillis() + " ms");
            assertEquals(List.of(), again.createdTopics(), "topics survive a restart");
            ArtifactStore store = ArtifactStore.fromConfig(again.adminConfig());
            assertEquals(3, store.getBytes("probe").length, "objects survive a restart");
            assertTrue(again.environment().keySet().containsAll(
                    Map.of(ServiceConfig.SCHEMA_REGISTRY_URL, "", ServiceConfig.S3_BUCKET, "").keySet()));
        }
    }
}
