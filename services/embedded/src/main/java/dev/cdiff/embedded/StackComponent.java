package dev.cdiff.embedded;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** A part of the embedded infrastructure that can run in a process of its own. */
public enum StackComponent {
    KAFKA, S3, REGISTRY;

    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code kafka,s3,registry} (any subset, any order) as given to {@code --only}. */
    public static Set<StackComponent> parse(String list) {
        Set<StackComponent> out = EnumSet.noneOf(StackComponent.class);
        for (String part : list.split(",")) {
            String name = part.strip();
            StackComponent match = null;
            for (StackComponent c : values()) {
                if (c.optionName().equals(name.toLowerCase(Locale.ROOT))) {
                    match = c;
                }
            }
            if (match == null) {
                throw new IllegalArgumentException("unknown stack component '" + name + "' (known: kafka, s3, registry)");
            }
            out.add(match);
        }
        return out;
    }
}
