package dev.cdiff.platform.kafka;

import dev.cdiff.platform.Topics;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaAccessTest {

    @Test
    void composeAppliesExactlyTheGrantsTheEmbeddedStackApplies() throws Exception {
        Path file = Path.of("../../deploy/kafka-acls.txt");
        List<String> listed = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertEquals(KafkaAccess.asLines(KafkaAccess.bindings("")), listed,
                "regenerate deploy/kafka-acls.txt from KafkaAccess.asLines(KafkaAccess.bindings(\"\"))");
    }

    @Test
    void noPlatformPrincipalMayWriteATopicAnotherServiceProducesExceptSharedOnes() {
        List<AclBinding> all = KafkaAccess.bindings("");
        assertTrue(writes(all, KafkaAccess.TRAINING).contains(Topics.TRAINING_COMPLETED));
        assertFalse(writes(all, KafkaAccess.SAMPLING).contains(Topics.MERGE_REQUESTED));
        assertFalse(writes(all, KafkaAccess.INGESTION).contains(Topics.TRAINING_REQUESTED));
        assertTrue(all.stream().noneMatch(b -> b.entry().operation() == AclOperation.ALL
                && b.pattern().resourceType() == ResourceType.TOPIC
                && !b.pattern().name().startsWith(KafkaAccess.ORCHESTRATOR_APPLICATION_ID)),
                "only the orchestrator's own internal topics are granted ALL");
    }

    @Test
    void aTriggerMayWriteOnlyItsBoundTenantsTopics() {
        List<AclBinding> grants = KafkaAccess.triggerBindings("dam", List.of("acme"), "");
        assertEquals(1, grants.size());
        assertEquals("ingestion-requested.acme", grants.get(0).pattern().name());
        assertEquals(PatternType.LITERAL, grants.get(0).pattern().patternType());
        assertEquals("acme", KafkaAccess.tenantOfTriggerTopic("ingestion-requested.acme"));
        assertEquals(null, KafkaAccess.tenantOfTriggerTopic(Topics.INGESTION_REQUESTED));
    }

    private static List<String> writes(List<AclBinding> all, String principal) {
        return all.stream().filter(b -> b.entry().principal().equals("User:" + principal)
                && b.entry().operation() == AclOperation.WRITE).map(b -> b.pattern().name()).toList();
    }
}
