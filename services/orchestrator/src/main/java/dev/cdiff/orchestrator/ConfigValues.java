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

    /** A positive duration: ISO-8601 ({@code PT30M}) or a number with a unit: ms, s, m, h, d ({@code 30m}). */
    java.time.Duration duration(String key, java.time.Duration fallback) {
        String value = lookup.apply(key);
        if (value == null) {
            return fallback;
        }
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        java.time.Duration parsed;
        try {
            if (v.startsWith("p")) {
                parsed = java.time.Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
            } else {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)").matcher(v);
                if (!m.matches()) {
                    throw new IllegalArgumentException();
                }
                long n = Long.parseLong(m.group(1));
                parsed = switch (m.group(2)) {
                    case "ms" -> java.time.Duration.ofMillis(n);
                    case "s" -> java.time.Duration.ofSeconds(n);
                    case "m" -> java.time.Duration.ofMinutes(n);
                    case "h" -> java.time.Duration.ofHours(n);
                    default -> java.time.Duration.ofDays(n);
                };
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("setting " + key + " must be a duration like 30s, 15m, 6h, 7d or PT30M, got '"
                    + value + "'");
        }
        if (parsed.isZero() || parsed.isNegative()) {
            throw new IllegalArgumentException("setting " + key + " must be positive, got '" + value + "'");
        }
        return parsed;
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
