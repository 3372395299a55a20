package dev.cdiff.diffusion.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoint weights by normalised key name. Older checkpoints use other names for the same
 * tensors; normalising at load time lets the models know only the current diffusers/transformers names.
 */
public final class WeightMap {
    private static final String TEXT_MODEL_PREFIX = "text_model.";
    private static final Pattern LEGACY_ATTENTION =
            Pattern.compile("^(.*\\.attentions\\.\\d+\\.)(query|key|value|proj_attn)\\.(weight|bias)$");
    private static final Pattern ATTENTION_PROJECTION =
            Pattern.compile("^.*\\.attentions\\.\\d+\\.(to_q|to_k|to_v|to_out\\.0)\\.weight$");

    private final Map<String, NDArray> weights;
    private final String source;

    private WeightMap(Map<String, NDArray> weights, String source) {
        this.weights = weights;
        this.source = source;
    }

    public static WeightMap load(Path componentDir, NDManager manager) {
        return load(ModelFolder.weightFiles(componentDir), manager);
    }

    public static WeightMap load(List<Path> files, NDManager manager) {
        return load(files, manager, key -> true);
    }

    /** Only the weights whose normalised key {@code wanted} accepts; the others are never read from the files. */
    public static WeightMap load(List<Path> files, NDManager manager, Predicate<String> wanted) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Path f : files) {
            try (SafeTensors st = SafeTensors.open(f)) {
                for (String raw : st.names()) {
                    String key = normalizeKey(raw);
                    if (key == null || !wanted.test(key)) {
                        continue;
                    }
                    NDArray arr = st.load(raw, manager);
                    if (ATTENTION_PROJECTION.matcher(key).matches() && arr.getShape().dimension() == 4
                            && arr.getShape().get(2) == 1 && arr.getShape().get(3) == 1) {
                        // a reshape is a view: copy before closing the source so it cannot point at freed memory
                        NDArray view = arr.reshape(arr.getShape().get(0), arr.getShape().get(1));
                        NDArray squeezed = view.duplicate();
                        view.close();
                        arr.close();
                        arr = squeezed;
                    }
                    arr.setName(key);
                    if (out.put(key, arr) != null) {
                        throw new SafeTensorsFormatException("duplicate weight " + key + " (from " + raw + ") in " + f);
                    }
                }
            }
        }
        return new WeightMap(out, files.toString());
    }

    public static WeightMap of(Map<String, NDArray> weights, String source) {
        return new WeightMap(new LinkedHashMap<>(weights), source);
    }

    /** Maps a checkpoint key to its current name, or null for buffers that are not weights. */
    public static String normalizeKey(String raw) {
        String key = raw;
        if (key.startsWith(TEXT_MODEL_PREFIX)) {
            key = key.substring(TEXT_MODEL_PREFIX.length());
        }
        if (key.endsWith("position_ids")) {
            return null;
        }
        Matcher m = LEGACY_ATTENTION.matcher(key);
        if (m.matches()) {
            String renamed;
            switch (m.group(2)) {
                case "query":
                    renamed = "to_q";
                    break;
                case "key":
                    renamed = "to_k";
                    break;
                case "value":
                    renamed = "to_v";
                    break;
                default:
                    renamed = "to_out.0";
                    break;
            }
            key = m.group(1) + renamed + "." + m.group(3);
        }
        return key;
    }

    public NDArray require(String name) {
        NDArray a = weights.get(name);
        if (a == null) {
            throw new IllegalArgumentException("missing weight '" + name + "' in " + source);
        }
        return a;
    }

    public NDArray get(String name) {
        return weights.get(name);
    }

    public boolean contains(String name) {
        return weights.containsKey(name);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(weights.keySet());
    }

    public Map<String, NDArray> asMap() {
        return Collections.unmodifiableMap(weights);
    }

    /** Removes and returns a weight so callers can check that every weight was consumed. */
    public NDArray take(String name) {
        NDArray a = require(name);
        weights.remove(name);
        return a;
    }

    public int size() {
        return weights.size();
    }

    public String source() {
        return source;
    }
}
