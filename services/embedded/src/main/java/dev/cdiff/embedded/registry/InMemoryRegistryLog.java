package dev.cdiff.embedded.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A log kept in this object only: for tests and tools that want a registry without a broker. Reusing the same
 * instance for a new registry replays what the previous one wrote, like restarting against the same topic.
 */
public final class InMemoryRegistryLog implements RegistryLog {
    private final List<String[]> records = new ArrayList<>();
    private BiConsumer<String, String> applier;

    @Override
    public synchronized void start(BiConsumer<String, String> applier) {
        this.applier = applier;
        for (String[] r : records) {
            applier.accept(r[0], r[1]);
        }
    }

    @Override
    public synchronized void append(String key, String value) {
        if (applier == null) {
            throw new IllegalStateException("log not started");
        }
        records.add(new String[] {key, value});
        applier.accept(key, value);
    }

    /** Records written so far, oldest first, as {key, value} pairs. */
    public synchronized List<String[]> records() {
        return List.copyOf(records);
    }

    @Override
    public String describe() {
        return "in-memory log";
    }

    @Override
    public synchronized void close() {
        applier = null;
    }
}
