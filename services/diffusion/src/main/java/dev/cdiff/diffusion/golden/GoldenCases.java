package dev.cdiff.diffusion.golden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ConfigReader;
import dev.cdiff.diffusion.io.SafeTensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Helpers for runners to read a case's settings, model folder and tensors file from the manifest. */
public final class GoldenCases {
    private GoldenCases() {
    }

    public static JsonNode manifest(Path goldenDir) {
        return ConfigReader.readJson(goldenDir.resolve("manifest.json"));
    }

    /** The model folder a case names in its "model" field, resolved through the manifest's "models" table. */
    public static Path modelDir(JsonNode caseSpec, Path goldenDir) {
        String model = requireText(caseSpec, "model");
        JsonNode entry = manifest(goldenDir).path("models").path(model);
        Path dir = goldenDir.resolve(entry.path("path").isTextual() ? entry.path("path").asText() : "models/" + model);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder for '" + model + "' not found: " + dir);
        }
        return dir;
    }

    public static SafeTensors tensors(JsonNode caseSpec, Path goldenDir) {
        return SafeTensors.open(goldenDir.resolve(requireText(caseSpec, "tensors")));
    }

    public static ToleranceCheck tolerance(JsonNode caseSpec) {
        return new ToleranceCheck(caseSpec.path("atol").asDouble(0), caseSpec.path("rtol").asDouble(0));
    }

    public static String requireText(JsonNode caseSpec, String field) {
        JsonNode v = caseSpec.get(field);
        if (v == null || !v.isValueNode() || v.isNull()) {
            throw new IllegalArgumentException("case " + caseSpec.path("name").asText() + " has no '" + field + "'");
        }
        return v.asText();
    }

    public static int requireInt(JsonNode caseSpec, String field) {
        JsonNode v = caseSpec.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("case " + caseSpec.path("name").asText() + " has no integer '" + field + "'");
        }
        return v.asInt();
    }

    public static List<String> textList(JsonNode caseSpec, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : caseSpec.path(field)) {
            out.add(n.asText());
        }
        return out;
    }
}
