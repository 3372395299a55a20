package dev.cdiff.diffusion.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Typed access to a diffusers / transformers config.json. {@code component} names the config in
 * error messages (e.g. "unet", "scheduler"). A JSON null counts as absent.
 */
public final class ConfigReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String component;
    private final JsonNode node;

    public ConfigReader(String component, JsonNode node) {
        this.component = component;
        this.node = node;
    }

    public static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file not found: " + file);
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse JSON " + file, e);
        }
    }

    public static ConfigReader of(String component, Path file) {
        return new ConfigReader(component, readJson(file));
    }

    public JsonNode node() {
        return node;
    }

    public String component() {
        return component;
    }

    public boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    public JsonNode get(String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    private JsonNode required(String key) {
        JsonNode v = get(key);
        if (v == null) {
            throw new UnsupportedConfigException(component + " config is missing required option " + key);
        }
        return v;
    }

    public int getInt(String key) {
        JsonNode v = required(key);
        if (!v.canConvertToInt()) {
            throw new UnsupportedConfigException(component + " config option " + key + "=" + v + " is not an integer");
        }
        return v.asInt();
    }

    public int getInt(String key, int fallback) {
        return has(key) ? getInt(key) : fallback;
    }

    public double getDouble(String key) {
        JsonNode v = required(key);
        if (!v.isNumber()) {
            throw new UnsupportedConfigException(component + " config option " + key + "=" + v + " is not a number");
        }
        return v.asDouble();
    }

    public double getDouble(String key, double fallback) {
        return has(key) ? getDouble(key) : fallback;
    }

    public boolean getBoolean(String key, boolean fallback) {
        JsonNode v = get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new UnsupportedConfigException(component + " config option " + key + "=" + v + " is not a boolean");
        }
        return v.asBoolean();
    }

    public String getString(String key) {
        return required(key).asText();
    }

    public String getString(String key, String fallback) {
        return has(key) ? get(key).asText() : fallback;
    }

    public int[] getIntArray(String key) {
        JsonNode v = required(key);
        if (!v.isArray()) {
            throw new UnsupportedConfigException(component + " config option " + key + "=" + v + " is not a list");
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).asInt();
        }
        return out;
    }

    public String[] getStringArray(String key) {
        JsonNode v = required(key);
        if (!v.isArray()) {
            throw new UnsupportedConfigException(component + " config option " + key + "=" + v + " is not a list");
        }
        String[] out = new String[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).asText();
        }
        return out;
    }

    /** Returns the string option (or fallback) after checking it is one of {@code allowed}. */
    public String getChoice(String key, String fallback, String... allowed) {
        String v = getString(key, fallback);
        if (!Arrays.asList(allowed).contains(v)) {
            throw new UnsupportedConfigException(component + " config option " + key + "=" + v
                    + " is not supported (supported: " + String.join(", ", allowed) + ")");
        }
        return v;
    }

    /** Fails when a boolean option is set to true (features not implemented). */
    public void rejectTrue(String key) {
        if (getBoolean(key, false)) {
            throw UnsupportedConfigException.option(component, key, true);
        }
    }

    /** Fails when an option is present and not null (features not implemented). */
    public void rejectPresent(String key) {
        if (has(key)) {
            throw UnsupportedConfigException.option(component, key, get(key));
        }
    }

    /** Fails unless the option is absent or equals {@code expected}. */
    public void requireIfPresent(String key, Object expected) {
        JsonNode v = get(key);
        if (v != null && !v.asText().equals(String.valueOf(expected))) {
            throw UnsupportedConfigException.option(component, key, v);
        }
    }
}
