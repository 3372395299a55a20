package dev.cdiff.embedded.security;

import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.kafka.KafkaAccess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A service that is compromised (or misconfigured) keeps to its own lane: with its valid credential it may write only
 * the topics it produces, read only the topics it consumes, and only in its own consumer group.
 */
class ForeignTopicAndGroupAttackTest {
    @TempDir
    static Path workspace;
    static LoopbackStack stack;

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void aServiceCannotProduceToATopicItDoesNotOwn() throws Exception {
        long before = Bus.records(stack, Topics.MERGE_REQUESTED);
        // sampling writes samples-generated; a MergeRequested from it is the forged-request attack of the issue
        try (KafkaProducer<byte[], byte[]> producer = Bus.producer(stack.principal(KafkaAccess.SAMPLING))) {
            Throwable refused = assertThrows(Throwable.class, () -> Bus.send(producer, Topics.MERGE_REQUESTED, "{}"));
            assertInstanceOf(TopicAuthorizationException.class, refused);
        }
        assertEquals(before, Bus.records(stack, Topics.MERGE_REQUESTED), "merge-requested unchanged");
    }

    @Test
    void aServiceCannotForgeAnotherServicesResult() throws Exception {
        long before = Bus.records(stack, Topics.TRAINING_COMPLETED);
        try (KafkaProducer<byte[], byte[]> producer = Bus.producer(stack.principal(KafkaAccess.INGESTION))) {
            Throwable refused = assertThrows(Throwable.class, () -> Bus.send(producer, Topics.TRAINING_COMPLETED, "{}"));
            assertInstanceOf(TopicAuthorizationException.class, refused);
        }
        assertEquals(before, Bus.records(stack, Topics.TRAINING_COMPLETED), "training-completed unchanged");
    }

    @Test
    void aConsumerCannotJoinAForeignConsumerGroup() {
        // its own topic, someone else's group: joining would steal the training service's partitions and offsets
        try (KafkaConsumer<byte[], byte[]> consumer = Bus.consumer(stack.principal(KafkaAccess.SAMPLING),
                KafkaAccess.TRAINING)) {
            consumer.subscribe(List.of(Topics.SAMPLE_REQUESTED));
            assertThrows(GroupAuthorizationException.class, () -> consumer.poll(Duration.ofSeconds(10)));
        }
    }

    @Test
    void aServiceCannotReadATopicItDoesNotConsume() {
        // merging reads merge-requested only; training requests carry other tenants' concept keys
        try (KafkaConsumer<byte[], byte[]> consumer = Bus.consumer(stack.principal(KafkaAccess.MERGING),
                KafkaAccess.MERGING)) {
            consumer.subscribe(List.of(Topics.TRAINING_REQUESTED));
            assertThrows(TopicAuthorizationException.class, () -> consumer.poll(Duration.ofSeconds(10)));
        }
    }

    @Test
    void aServiceCannotCreateTopics() throws Exception {
        try (Admin admin = Admin.create(stack.principal(KafkaAccess.TRAINING))) {
            ExecutionException refused = assertThrows(ExecutionException.class, () -> admin.createTopics(
                    List.of(new NewTopic("training-requested-shadow", 1, (short) 1))).all().get());
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
        }
        try (Admin admin = Admin.create(stack.principal(KafkaAccess.ADMIN))) {
            assertFalse(admin.listTopics().names().get().contains("training-requested-shadow"));
            assertTrue(admin.listTopics().names().get().contains(Topics.TRAINING_REQUESTED));
        }
    }
}
