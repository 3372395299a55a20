package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.io.SafeTensors;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A resumable training state in one safetensors file: {@code param.<name>} master values, {@code adam_m.<name>} /
 * {@code adam_v.<name>} AdamW moments, and step, seed, base digest and config in the metadata. The per-step random
 * draws are a function of (seed, step), so these two numbers are the complete RNG state.
 */
public final class TrainingCheckpoint {
    public static final String FORMAT_TAG = "cdiff-train-checkpoint";
    private static final String PARAM = "param.";
    private static final String M1 = "adam_m.";
    private static final String M2 = "adam_v.";

    private TrainingCheckpoint() {
    }

    public record State(int step, long seed, String baseModelDigest, Map<String, float[]> weights,
                        Map<String, long[]> shapes, Map<String, float[]> firstMoments,
                        Map<String, float[]> secondMoments, String configJson) {
    }

    public static void write(Path file, State s) {
        try (NDManager m = ComputeDevice.newManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            s.weights().forEach((k, v) -> t.put(PARAM + k, m.create(v, new Shape(s.shapes().get(k)))));
            s.firstMoments().forEach((k, v) -> t.put(M1 + k, m.create(v, new Shape(s.shapes().get(k)))));
            s.secondMoments().forEach((k, v) -> t.put(M2 + k, m.create(v, new Shape(s.shapes().get(k)))));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", FORMAT_TAG);
            meta.put("step", Integer.toString(s.step()));
            meta.put("seed", Long.toString(s.seed()));
            meta.put("base_model_digest", s.baseModelDigest());
            meta.put("training_config", s.configJson());
            SafeTensors.write(file, t, meta, false);
        }
    }

    public static State read(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            Map<String, String> meta = st.metadata();
            if (!FORMAT_TAG.equals(meta.get("format"))) {
                throw new IllegalArgumentException(file + " is not a training checkpoint (format " + meta.get("format") + ")");
            }
            Map<String, float[]> w = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, float[]> m1 = new LinkedHashMap<>();
            Map<String, float[]> m2 = new LinkedHashMap<>();
            for (String n : st.names()) {
                if (n.startsWith(PARAM)) {
                    w.put(n.substring(PARAM.length()), st.loadFloats(n));
                    shapes.put(n.substring(PARAM.length()), st.info(n).shape());
                } else if (n.startsWith(M1)) {
                    m1.put(n.substring(M1.length()), st.loadFloats(n));
                } else if (n.startsWith(M2)) {
                    m2.put(n.substring(M2.length()), st.loadFloats(n));
                }
            }
            return new State(Integer.parseInt(meta.get("step")), Long.parseLong(meta.get("seed")),
                    meta.getOrDefault("base_model_digest", ""), w, shapes, m1, m2,
                    meta.getOrDefault("training_config", "{}"));
        }
    }
}
