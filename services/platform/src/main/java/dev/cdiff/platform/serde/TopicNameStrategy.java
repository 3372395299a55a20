package dev.cdiff.platform.serde;

/** Confluent's default subject naming: a topic's values live under {@code <topic>-value}, keys under {@code <topic>-key}. */
public final class TopicNameStrategy {
    private TopicNameStrategy() {
    }

    public static String subject(String topic, boolean isKey) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic is empty");
        }
        return topic + (isKey ? "-key" : "-value");
    }

    public static String valueSubject(String topic) {
        return subject(topic, false);
    }
}
