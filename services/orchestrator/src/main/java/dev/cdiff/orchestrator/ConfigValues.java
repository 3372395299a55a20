package dev.cdiff.orchestrator;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Typed reads of string settings; a malformed value is reported with the key that holds it. */
final class ConfigValues {
    private final Function<String, String> lookup;

    /** @param lookup a setting's raw value by key, or null when unset */
    ConfigValues(Function<String, String> lookup) {
        this.lookup = key -> {
            String value = lookup.apply(key);
            return value == null || value.isBlank() ? null : value;
        };
    }

    static ConfigValues of(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return new ConfigValues(copy::get);
    }

    String text(String key, String fallback) {
        String value = lookup.apply(key);
        return value == null ? fallback : value.trim();
    }

    int integer(String key, int fallback, int min) {
        String value = lookup.apply(key);
        if (value == null) {
            return fallback;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("setting " + key + " must be an integer, got '" + value + "'");
        }
        if (parsed < min) {
            throw new IllegalArgumentException("setting " + key + " must be >= " + min + ", got " + parsed);
        }
        return parsed;
    }

    double decimal(String key, double fallback, double min, double max) {
        String value = lookup.apply(key);
        if (value == null) {
            return fallback;
        }
        double parsed;
        try {
            parsed = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("setting " + key + " must be a number, got '" + value + "'");
        }
        if (!(parsed >= min && parsed <= max)) {
            throw new IllegalArgumentException("setting " + key + " must be in [" + min + ", " + max + "], got " + parsed);
        }
        return parsed;
    }

    boolean bool(String key, boolean fallback) {
        String value = lookup.apply(key);
        if (value == null) {
            return fallback;
        }
        String v = value.trim();
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("setting " + key + " must be true or false, got '" + value + "'");
    }

    /** A list written as items separated by '|' (prompts contain commas, so commas cannot separate them). */
    List<String> list(String key, List<String> fallback) {
        String value = lookup.apply(key);
        if (value == null) {
            return fallback;
        }
        return Arrays.stream(value.split("\\|")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
