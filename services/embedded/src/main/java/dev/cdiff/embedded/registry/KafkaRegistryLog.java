package dev.cdiff.embedded.registry;

import dev.cdiff.platform.registry.RegistryError;
import dev.cdiff.platform.registry.SchemaRegistryException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The registry log in a single-partition compacted Kafka topic, as Confluent Schema Registry keeps it. One reader
 * thread applies every record in offset order; {@link #append} produces and then waits until that thread has
 * consumed past the new record's offset (read-your-writes), which is also how Confluent orders its answers.
 */
final class KafkaRegistryLog implements RegistryLog {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRegistryLog.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String bootstrapServers;
    private final Map<String, Object> security;
    private final String topic;
    private final TopicPartition partition;
    private final Object progress = new Object();
    private long consumedPosition = -1;
    private volatile boolean running;
    private volatile RuntimeException readerFailure;
    private KafkaProducer<String, String> producer;
    private KafkaConsumer<String, String> consumer;
    private Thread reader;

    KafkaRegistryLog(String bootstrapServers, String topic) {
        this(bootstrapServers, Map.of(), topic);
    }

    /** @param security client settings of the registry's own Kafka principal (SASL), empty on an open broker */
    KafkaRegistryLog(String bootstrapServers, Map<String, Object> security, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.security = Map.copyOf(security);
        this.topic = topic;
        this.partition = new TopicPartition(topic, 0);
    }

    @Override
    public void start(BiConsumer<String, String> applier) {
        ensureTopic();
        producer = new KafkaProducer<>(secured(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.CLIENT_ID_CONFIG, "local-schema-registry-writer")),
                new StringSerializer(), new StringSerializer());
        consumer = new KafkaConsumer<>(secured(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.CLIENT_ID_CONFIG, "local-schema-registry-reader")),
                new StringDeserializer(), new StringDeserializer());
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition), WAIT).get(partition);
        running = true;
        reader = new Thread(() -> readLoop(applier), "local-schema-registry-reader");
        reader.setDaemon(true);
        reader.start();
        awaitConsumed(end, "replaying " + describe() + " up to offset " + end);
        LOG.info("schema registry state rebuilt from {} up to offset {}", describe(), end);
    }

    private Map<String, Object> secured(Map<String, Object> settings) {
        Map<String, Object> all = new java.util.HashMap<>(settings);
        all.putAll(security);
        return all;
    }

    private void readLoop(BiConsumer<String, String> applier) {
        try {
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> r : records) {
                    if (r.key() != null) {
                        applier.accept(r.key(), r.value());
                    }
                }
                long position = consumer.position(partition);
                synchronized (progress) {
                    consumedPosition = position;
                    progress.notifyAll();
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            LOG.error("schema registry reader of {} died", describe(), e);
            readerFailure = e;
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    @Override
    public void append(String key, String value) {
        RecordMetadata written;
        try {
            written = producer.send(new ProducerRecord<>(topic, 0, key, value)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(RegistryError.STORE_ERROR, "interrupted writing to " + describe(), e);
        } catch (ExecutionException e) {
            throw new SchemaRegistryException(RegistryError.STORE_ERROR,
                    "cannot write to " + describe() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new SchemaRegistryException(RegistryError.OPERATION_TIMEOUT,
                    "writing to " + describe() + " took longer than " + WAIT.toSeconds() + " s", e);
        }
        awaitConsumed(written.offset() + 1, "reading back offset " + written.offset() + " of " + describe());
    }

    private void awaitConsumed(long position, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (progress) {
            while (consumedPosition < position) {
                if (readerFailure != null) {
                    throw new SchemaRegistryException(RegistryError.STORE_ERROR,
                            "registry reader failed while " + what + ": " + readerFailure, readerFailure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SchemaRegistryException(RegistryError.OPERATION_TIMEOUT,
                            "timed out after " + WAIT.toSeconds() + " s " + what);
                }
                try {
                    progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SchemaRegistryException(RegistryError.STORE_ERROR, "interrupted while " + what, e);
                }
            }
        }
    }

    /** Creates the topic compacted with one partition, or checks an existing one can serve as the log. */
    private void ensureTopic() {
        try (Admin admin = Admin.create(secured(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers)))) {
            TopicDescription existing = describeTopic(admin);
            if (existing == null) {
                int brokers = admin.describeCluster().nodes().get(WAIT.toMillis(), TimeUnit.MILLISECONDS).size();
                NewTopic log = new NewTopic(topic, 1, (short) Math.min(3, Math.max(1, brokers)))
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                try {
                    admin.createTopics(Set.of(log)).all().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("created schema registry topic {}", topic);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                return;
            }
            if (existing.partitions().size() != 1) {
                throw new IllegalStateException("schema registry topic '" + topic + "' has "
                        + existing.partitions().size() + " partitions; it must have exactly 1 to keep records ordered");
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(Set.of(resource)).all().get(WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(resource);
            String policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
            if (!TopicConfig.CLEANUP_POLICY_COMPACT.equals(policy)) {
                throw new IllegalStateException("schema registry topic '" + topic + "' has cleanup.policy=" + policy
                        + "; it must be compact, or old schemas would be deleted by retention");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted preparing topic " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot prepare schema registry topic '" + topic + "' on "
                    + bootstrapServers + ": " + e, e);
        }
    }

    private TopicDescription describeTopic(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return admin.describeTopics(Set.of(topic)).allTopicNames().get(WAIT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public String describe() {
        return "topic '" + topic + "' on " + bootstrapServers;
    }

    @Override
    public void close() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (reader != null) {
            try {
                reader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (consumer != null) {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
