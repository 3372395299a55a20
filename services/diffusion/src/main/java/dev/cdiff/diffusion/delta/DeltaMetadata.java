package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.training.TokenInfo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Provenance of a delta, stored as string entries of the safetensors {@code __metadata__} header so that any
 * safetensors tool can read it.
 */
public record DeltaMetadata(int formatVersion, DeltaKind kind, String baseModelDigest, List<TokenInfo> tokens,
                            JsonNode trainingConfig, long seed, Map<String, String> extra, String backend) {
    public static final int FORMAT_VERSION = 1;
    public static final String FORMAT_TAG = "cdiff-delta";
    private static final ObjectMapper JSON = new ObjectMapper();

    public DeltaMetadata {
        tokens = List.copyOf(tokens);
        // sorted, not Map.copyOf: an immutable map's iteration order changes from JVM to JVM (a per-process salt), and
        // the header is written in that order, so the same delta got a different digest in every process (an audit
        // re-deriving a delta saw equal tensors under a different sha256)
        extra = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(extra == null ? Map.of() : extra));
        trainingConfig = trainingConfig == null ? JSON.createObjectNode() : trainingConfig;
        baseModelDigest = baseModelDigest == null ? "" : baseModelDigest;
        backend = backend == null ? "" : backend;
    }

    public static DeltaMetadata of(DeltaKind kind, String baseModelDigest, List<TokenInfo> tokens,
                                   JsonNode trainingConfig, long seed) {
        return new DeltaMetadata(FORMAT_VERSION, kind, baseModelDigest, tokens, trainingConfig, seed, Map.of(), "");
    }

    public DeltaMetadata withKind(DeltaKind newKind) {
        return new DeltaMetadata(formatVersion, newKind, baseModelDigest, tokens, trainingConfig, seed, extra, backend);
    }

    public DeltaMetadata withTokens(List<TokenInfo> newTokens) {
        return new DeltaMetadata(formatVersion, kind, baseModelDigest, newTokens, trainingConfig, seed, extra, backend);
    }

    public DeltaMetadata withExtra(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(extra);
        m.put(key, value);
        return new DeltaMetadata(formatVersion, kind, baseModelDigest, tokens, trainingConfig, seed, m, backend);
    }

    /**
     * The same metadata recording the backend that computed the delta ({@code BackendFingerprint#encode}): two deltas
     * from equal inputs are expected to be bit-identical only when their backends are equal.
     */
    public DeltaMetadata withBackend(String newBackend) {
        return new DeltaMetadata(formatVersion, kind, baseModelDigest, tokens, trainingConfig, seed, extra, newBackend);
    }

    public Map<String, String> toHeader() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("format", FORMAT_TAG);
        h.put("format_version", Integer.toString(formatVersion));
        h.put("kind", kind.id());
        h.put("base_model_digest", baseModelDigest);
        ArrayNode arr = JSON.createArrayNode();
        for (TokenInfo t : tokens) {
            ObjectNode o = arr.addObject();
            o.put("token", t.token());
            o.put("concept", t.concept());
            o.put("class_word", t.classWord());
            o.put("initializer_word", t.initializerWord());
        }
        h.put("tokens", arr.toString());
        h.put("training_config", trainingConfig.toString());
        h.put("seed", Long.toString(seed));
        ObjectNode ex = JSON.createObjectNode();
        extra.forEach(ex::put);
        h.put("extra", ex.toString());
        if (!backend.isEmpty()) {
            h.put("backend", backend);
        }
        return h;
    }

    public static DeltaMetadata fromHeader(Map<String, String> h, String source) {
        if (!FORMAT_TAG.equals(h.get("format"))) {
            throw new IllegalArgumentException(source + " is not a cdiff delta (metadata 'format' is "
                    + h.get("format") + ", expected " + FORMAT_TAG + ")");
        }
        int version = Integer.parseInt(require(h, "format_version", source));
        if (version > FORMAT_VERSION) {
            throw new IllegalArgumentException(source + " has delta format version " + version
                    + "; this build reads up to " + FORMAT_VERSION);
        }
        try {
            List<TokenInfo> tokens = new ArrayList<>();
            for (JsonNode o : JSON.readTree(require(h, "tokens", source))) {
                tokens.add(new TokenInfo(o.path("token").asText(), o.path("concept").asText(),
                        o.path("class_word").asText(), o.path("initializer_word").asText()));
            }
            JsonNode cfg = JSON.readTree(h.getOrDefault("training_config", "{}"));
            Map<String, String> extra = new LinkedHashMap<>();
            JSON.readTree(h.getOrDefault("extra", "{}")).fields()
                    .forEachRemaining(e -> extra.put(e.getKey(), e.getValue().asText()));
            return new DeltaMetadata(version, DeltaKind.parse(require(h, "kind", source)),
                    h.getOrDefault("base_model_digest", ""), tokens, cfg,
                    Long.parseLong(h.getOrDefault("seed", "0")), extra, h.getOrDefault("backend", ""));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + " has malformed delta metadata: " + e.getOriginalMessage(), e);
        }
    }

    private static String require(Map<String, String> h, String key, String source) {
        String v = h.get(key);
        if (v == null) {
            throw new IllegalArgumentException(source + " delta metadata lacks '" + key + "'");
        }
        return v;
    }
}
