package dev.cdiff.orchestrator;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.schemas.events.DeadLetter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The job topology in a TopologyTestDriver, with one input topic per consumed event type. */
final class OrchestratorTestDriver implements AutoCloseable {
    private final TopologyTestDriver driver;
    private final EventSerdes serdes;
    private final Map<Class<?>, TestInputTopic<String, SpecificRecord>> inputs = new LinkedHashMap<>();
    private final Map<Class<?>, TestOutputTopic<String, SpecificRecord>> outputs = new LinkedHashMap<>();

    OrchestratorTestDriver(EventSerdes serdes, OrchestratorSettings settings, Clock clock, Path stateDir) {
        this(serdes, settings, JobLifecycle.defaults(), clock, stateDir);
    }

    /** As production configures it: undecodable records go to the dead-letter topic through the same handler. */
    OrchestratorTestDriver(EventSerdes serdes, OrchestratorSettings settings, JobLifecycle lifecycle, Clock clock,
                           Path stateDir) {
        this(serdes, settings, lifecycle, Quotas.defaults(), clock, stateDir);
    }

    OrchestratorTestDriver(EventSerdes serdes, OrchestratorSettings settings, JobLifecycle lifecycle, Quotas quotas,
                           Clock clock, Path stateDir) {
        this.serdes = serdes;
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "orchestrator-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:1234");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class.getName());
        props.put(DeadLetteringDeserializationHandler.SERIALIZER, serdes.forType(DeadLetter.class).serializer());
        props.put(DeadLetteringDeserializationHandler.TOPIC, Topics.DEAD_LETTER);
        props.put(DeadLetteringDeserializationHandler.SERVICE, "orchestrator-test");
        driver = new TopologyTestDriver(new JobTopology(serdes, settings, lifecycle, quotas, clock, "").build(), props);
    }

    /** An event under an explicit key (dead letters have no envelope to take the job from). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void pipeKeyed(String key, SpecificRecord event) {
        Class<? extends SpecificRecord> type = event.getClass();
        TestInputTopic<String, SpecificRecord> topic = inputs.computeIfAbsent(type, t -> (TestInputTopic)
                driver.createInputTopic(Topics.of(type), Serdes.String().serializer(),
                        serdes.forType(type).serializer()));
        topic.pipeInput(key, event);
    }

    void advanceWallClock(java.time.Duration d) {
        driver.advanceWallClockTime(d);
    }

    /** The job's status as the changelog would carry it. */
    int serializedSize(String jobId) {
        JobStatus status = status(jobId);
        return status == null ? 0 : new JobStatusSerde().serializer().serialize("job-status", status).length;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void pipe(SpecificRecord event) {
        Class<? extends SpecificRecord> type = event.getClass();
        TestInputTopic<String, SpecificRecord> topic = inputs.computeIfAbsent(type, t -> (TestInputTopic)
                driver.createInputTopic(Topics.of(type), Serdes.String().serializer(),
                        serdes.forType(type).serializer()));
        topic.pipeInput(EventEnvelope.of(event).jobId(), event);
    }

    /** Everything the topology emitted since the last call, grouped by topic in {@link JobTopology#EMITTED} order. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    List<SpecificRecord> drain() {
        List<SpecificRecord> out = new ArrayList<>();
        for (Class<? extends SpecificRecord> type : JobTopology.EMITTED) {
            TestOutputTopic<String, SpecificRecord> topic = outputs.computeIfAbsent(type, t -> (TestOutputTopic)
                    driver.createOutputTopic(Topics.of(type), Serdes.String().deserializer(),
                            serdes.forType(type).deserializer()));
            topic.readKeyValuesToList().forEach(kv -> {
                if (!kv.key.equals(EventEnvelope.of(kv.value).jobId())) {
                    throw new AssertionError("emitted record keyed " + kv.key + " for job " + EventEnvelope.of(kv.value).jobId());
                }
                out.add(kv.value);
            });
        }
        return out;
    }

    JobStatus status(String jobId) {
        KeyValueStore<String, JobStatus> store = driver.getKeyValueStore(JobTopology.JOB_STORE);
        return store.get(jobId);
    }

    int jobCount() {
        KeyValueStore<String, JobStatus> store = driver.getKeyValueStore(JobTopology.JOB_STORE);
        int n = 0;
        try (KeyValueIterator<String, JobStatus> all = store.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        driver.close();
    }
}
