package dev.cdiff.cli.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.schemas.events.ArtifactRef;
import org.apache.avro.generic.GenericRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Artifact references out of decoded events and status JSON, as the request events want them. */
public final class ArtifactRefs {
    private ArtifactRefs() {
    }

    public static ArtifactRef fromRecord(Object value) {
        if (!(value instanceof GenericRecord r) || r.getSchema().getField("key") == null) {
            throw new IllegalArgumentException("not an artifact reference: " + value);
        }
        return ArtifactRef.newBuilder().setBucket(r.get("bucket").toString()).setKey(r.get("key").toString())
                .setSha256(r.get("sha256").toString()).setSizeBytes((Long) r.get("sizeBytes"))
                .setMediaType(r.get("mediaType").toString()).build();
    }

    public static List<ArtifactRef> listFromRecord(Object value) {
        List<ArtifactRef> out = new ArrayList<>();
        if (value instanceof Collection<?> c) {
            c.forEach(v -> out.add(fromRecord(v)));
        }
        return out;
    }

    public static ArtifactRef fromJson(JsonNode node) {
        if (node == null || !node.hasNonNull("key")) {
            throw new IllegalArgumentException("not an artifact reference: " + node);
        }
        return ArtifactRef.newBuilder().setBucket(node.path("bucket").asText()).setKey(node.path("key").asText())
                .setSha256(node.path("sha256").asText()).setSizeBytes(node.path("sizeBytes").asLong())
                .setMediaType(node.path("mediaType").asText()).build();
    }

    public static List<ArtifactRef> listFromJson(JsonNode array) {
        List<ArtifactRef> out = new ArrayList<>();
        array.forEach(n -> out.add(fromJson(n)));
        return out;
    }

    public static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof Collection<?> c) {
            c.forEach(v -> out.add(v.toString()));
        }
        return out;
    }
}
