package dev.cdiff.retrieval.classset;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A stored class set: what it was made for and its images. Serialised with a fixed field order so that the same set
 * always has the same bytes, hence the same digest.
 *
 * @param origin RETRIEVED, GENERATED or MIXED
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ClassSetManifest(int version, ClassSetParams params, String origin, List<ClassSetItem> items) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    public static String originOf(List<ClassSetItem> items) {
        boolean retrieved = items.stream().anyMatch(i -> "RETRIEVED".equals(i.origin()));
        boolean generated = items.stream().anyMatch(i -> "GENERATED".equals(i.origin()));
        return retrieved && generated ? "MIXED" : generated ? "GENERATED" : "RETRIEVED";
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ClassSetManifest fromJson(byte[] json) {
        try {
            return JSON.readValue(json, ClassSetManifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("class set manifest is not valid JSON: " + e.getMessage(), e);
        }
    }
}
