package dev.cdiff.cli.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads YAML files as plain maps, every document of a multi-document file, with compose's {@code <<} merges applied. */
final class YamlDocuments {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private YamlDocuments() {
    }

    static List<Map<String, Object>> read(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (MappingIterator<Map<String, Object>> it = YAML.readerFor(new TypeReference<Map<String, Object>>() { })
                .readValues(file.toFile())) {
            while (it.hasNext()) {
                Map<String, Object> doc = it.next();
                if (doc != null && !doc.isEmpty()) {
                    out.add(withMerges(doc));
                }
            }
        }
        return out;
    }

    static Map<String, Object> readOne(Path file) throws IOException {
        List<Map<String, Object>> docs = read(file);
        if (docs.size() != 1) {
            throw new IllegalStateException(file + " has " + docs.size() + " documents, expected 1");
        }
        return docs.get(0);
    }

    /** YAML 1.1 merge keys ({@code <<: *anchor}): the anchor's entries, then the map's own, which win. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withMerges(Map<String, Object> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        Object merged = map.get("<<");
        if (merged instanceof Map<?, ?> base) {
            out.putAll(withMerges((Map<String, Object>) base));
        }
        map.forEach((k, v) -> {
            if (!k.equals("<<")) {
                out.put(k, v instanceof Map<?, ?> m ? withMerges((Map<String, Object>) m) : v);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String... path) {
        Object cur = o;
        for (String p : path) {
            cur = cur == null ? null : ((Map<String, Object>) cur).get(p);
        }
        return cur == null ? Map.of() : (Map<String, Object>) cur;
    }
}
