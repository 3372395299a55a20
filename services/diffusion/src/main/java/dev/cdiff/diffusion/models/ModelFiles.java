package dev.cdiff.diffusion.models;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.models.nn.CheckpointParams;
import dev.cdiff.diffusion.models.nn.Param;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading and writing a model folder in the diffusers layout (config.json + diffusion_pytorch_model.safetensors). */
final class ModelFiles {
    static final String WEIGHTS_FILE = "diffusion_pytorch_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {
    }

    static Map<String, NDArray> values(Map<String, Param> params) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    static void requireAllUsed(CheckpointParams source, String component, Path dir) {
        List<String> unused = source.unused();
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(component + " checkpoint in " + dir + " has " + unused.size()
                    + " weights its config.json does not account for, e.g. "
                    + unused.subList(0, Math.min(8, unused.size())));
        }
    }

    static void save(Path dir, JsonNode config, String className, Map<String, Param> params) {
        try {
            Files.createDirectories(dir);
            ObjectNode cfg = config.deepCopy();
            if (!cfg.has("_class_name")) {
                cfg.put("_class_name", className);
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), cfg);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve("config.json"), e);
        }
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), values(params), Map.of("format", "pt"), false);
    }
}
