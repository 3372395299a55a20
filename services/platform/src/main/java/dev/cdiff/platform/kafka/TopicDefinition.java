package dev.cdiff.platform.kafka;

import java.util.Map;

/** One topic as deployed: partitions and topic-level configs (retention.ms, cleanup.policy…). */
public record TopicDefinition(String name, int partitions, Map<String, String> configs) {
    public TopicDefinition {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + " needs at least 1 partition, got " + partitions);
        }
        configs = Map.copyOf(configs);
    }
}
