package dev.cdiff.embedded.security;

import dev.cdiff.embedded.testing.LoopbackStack;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.kafka.KafkaAccess;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Anyone who reaches the broker's port without a platform credential gets nothing: the listener speaks SASL only,
 * so a plain client never completes a request, and a wrong password fails authentication.
 */
class UnauthenticatedClientAttackTest {
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
    void aProducerWithoutCredentialsWritesNothing() throws Exception {
        long before = Bus.records(stack, Topics.MERGE_REQUESTED);
        try (KafkaProducer<byte[], byte[]> producer = Bus.producer(Bus.anonymous(stack))) {
            // the plain client's first request is dropped by the SASL listener: it never learns the topic's leader
            Throwable refused = assertThrows(Throwable.class, () -> Bus.send(producer, Topics.MERGE_REQUESTED, "{}"));
            assertTrue(refused instanceof TimeoutException, "refused as " + refused);
        }
        assertEquals(before, Bus.records(stack, Topics.MERGE_REQUESTED), "merge-requested unchanged");
    }

    @Test
    void aProducerWithAWrongPasswordIsNotAuthenticated() throws Exception {
        long before = Bus.records(stack, Topics.SAMPLE_REQUESTED);
        try (KafkaProducer<byte[], byte[]> producer = Bus.producer(
                stack.principal(KafkaAccess.SAMPLING, "guessed-password"))) {
            Throwable refused = assertThrows(Throwable.class, () -> Bus.send(producer, Topics.SAMPLE_REQUESTED, "{}"));
            assertTrue(refused instanceof SaslAuthenticationException, "refused as " + refused);
        }
        assertEquals(before, Bus.records(stack, Topics.SAMPLE_REQUESTED), "sample-requested unchanged");
    }

    @Test
    void aConsumerWithoutCredentialsReadsNothing() {
        try (KafkaConsumer<byte[], byte[]> consumer = Bus.consumer(Bus.anonymous(stack), "anyone")) {
            consumer.subscribe(List.of(Topics.CONCEPT_SUBMITTED));
            // poll swallows connection failures; what matters is that not one record comes back and no group forms
            assertEquals(0, consumer.poll(Bus.SHORT).count());
            assertThrows(TimeoutException.class, () -> consumer.listTopics(Bus.SHORT));
        }
    }
}
