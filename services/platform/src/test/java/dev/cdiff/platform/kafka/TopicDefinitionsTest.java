package dev.cdiff.platform.kafka;

import dev.cdiff.platform.Topics;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicDefinitionsTest {

    @Test
    void shippedDefinitionsCoverEveryEventTopic() {
        Map<String, TopicDefinition> byName = TopicDefinitions.loadDefault().stream()
                .collect(Collectors.toMap(TopicDefinition::name, d -> d));
        for (String topic : Topics.all().values()) {
            assertTrue(byName.containsKey(topic), "no definition for topic " + topic);
        }
        assertEquals("compact", byName.get(Topics.SCHEMAS).configs().get("cleanup.policy"));
    }

    @Test
    void malformedLinesNameTheLine() {
        List<TopicDefinition> ok = TopicDefinitions.parse(new StringReader("# c\n a 2 retention.ms=5,cleanup.policy=delete\n"), "t");
        assertEquals(new TopicDefinition("a", 2, Map.of("retention.ms", "5", "cleanup.policy", "delete")), ok.get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TopicDefinitions.parse(new StringReader("a 1\nb two\n"), "defs"));
        assertTrue(e.getMessage().startsWith("defs:2:"), e.getMessage());
    }

    @Test
    void backoffDoublesUpToTheCap() {
        RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(350));
        assertEquals(List.of(100L, 200L, 350L, 350L),
                List.of(1, 2, 3, 4).stream().map(a -> p.backoffAfter(a).toMillis()).toList());
    }
}
