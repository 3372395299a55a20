package dev.cdiff.diffusion.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/** Test helpers: the manifest's cases of one kind, optionally re-pointed at another model. */
final class GoldenCaseSupport {
    private GoldenCaseSupport() {
    }

    static List<ObjectNode> casesOfKind(String kind) {
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode c : GoldenCases.manifest(GoldenFolder.configured()).path("cases")) {
            if (c.path("kind").asText().equals(kind)) {
                out.add((ObjectNode) c.deepCopy());
            }
        }
        if (out.isEmpty()) {
            throw new AssertionError("manifest has no case of kind " + kind);
        }
        return out;
    }
}
