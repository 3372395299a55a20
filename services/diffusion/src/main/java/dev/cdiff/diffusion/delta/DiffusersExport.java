package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.backend.ComputeDevice;
import dev.cdiff.diffusion.training.TokenInfo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.io.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The diffusers on-disk format of a Custom Diffusion result, as written by {@code unet.save_attn_procs} and the
 * textual-inversion saver of {@code examples/custom_diffusion/train_custom_diffusion.py}:
 * <ul>
 *   <li>{@value #WEIGHTS_FILE}: {@code <attn2 module>.processor.to_k_custom_diffusion.weight} and
 *       {@code ...to_v_custom_diffusion.weight} [out, in]. diffusers' loader groups keys by processor and expects one
 *       processor per attention layer; layers without trained weights are stored, as diffusers does, as an empty
 *       entry — here a zero-length tensor named by the processor (e.g. {@code ...attn1.processor}).</li>
 *   <li>{@code <token>.safetensors}: a single tensor named by the token holding its embedding row [hidden], the
 *       layout {@code pipeline.load_textual_inversion} accepts.</li>
 * </ul>
 */
public final class DiffusersExport {
    public static final String WEIGHTS_FILE = "pytorch_custom_diffusion_weights.safetensors";
    private static final Pattern LAYER_KEY = Pattern.compile("^(.+)\\.to_([kv])\\.weight$");
    private static final Pattern PROCESSOR_KEY = Pattern.compile("^(.+)\\.processor\\.to_([kv])_custom_diffusion\\.weight$");

    private DiffusersExport() {
    }

    public static String processorKey(String layerKey) {
        Matcher m = LAYER_KEY.matcher(layerKey);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a K/V weight key: " + layerKey);
        }
        return m.group(1) + ".processor.to_" + m.group(2) + "_custom_diffusion.weight";
    }

    public static String layerKey(String processorKey) {
        Matcher m = PROCESSOR_KEY.matcher(processorKey);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a Custom Diffusion K/V processor key: " + processorKey);
        }
        return m.group(1) + ".to_" + m.group(2) + ".weight";
    }

    /**
     * @param untrainedProcessors processor names (e.g. {@code ...attn1.processor}) to list as empty entries so
     *                            diffusers builds a processor for every attention layer; may be empty
     */
    public static void export(Delta delta, Function<String, float[]> baseWeight, Collection<String> untrainedProcessors,
                              Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        Map<String, float[]> weights = delta.materialize(baseWeight);
        try (NDManager m = ComputeDevice.newManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            weights.forEach((k, w) -> {
                LayerWeight l = delta.layers().get(k);
                tensors.put(processorKey(k), m.create(w, new Shape(l.rows(), l.cols())));
            });
            for (String p : untrainedProcessors) {
                tensors.put(p, m.create(new float[0], new Shape(0)));
            }
            SafeTensors.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"), false);
            for (var t : delta.tokenEmbeddings().entrySet()) {
                Map<String, NDArray> one = new LinkedHashMap<>();
                one.put(t.getKey(), m.create(t.getValue()));
                SafeTensors.write(dir.resolve(tokenFileName(t.getKey())), one, Map.of("format", "pt"), false);
            }
        }
    }

    public static String tokenFileName(String token) {
        if (token.contains("/") || token.contains("\\") || token.equals(".") || token.equals("..")) {
            throw new IllegalArgumentException("token " + token + " cannot be used as a file name");
        }
        return token + ".safetensors";
    }

    /**
     * Reads a diffusers Custom Diffusion folder back as a full delta. Token files are every other
     * {@code *.safetensors} in the folder holding exactly one tensor; tokens are ordered by name with numbers
     * compared numerically ({@code <new2>} before {@code <new10>}).
     */
    public static Delta importFolder(Path dir, String baseModelDigest) {
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            throw new IllegalArgumentException(dir + " has no " + WEIGHTS_FILE);
        }
        Map<String, LayerWeight> layers = new TreeMap<>();
        try (SafeTensors st = SafeTensors.open(weightsFile)) {
            for (String name : st.names()) {
                TensorInfo info = st.info(name);
                if (info.elementCount() == 0) {
                    continue;
                }
                if (name.contains("to_q_custom_diffusion") || name.contains("to_out_custom_diffusion")) {
                    throw new IllegalArgumentException(weightsFile + " holds " + name
                            + ": query/output fine-tuning (freeze_model=crossattn) is not supported, only K/V");
                }
                if (info.shape().length != 2) {
                    throw new IllegalArgumentException(weightsFile + ": " + name + " is not a 2-D weight");
                }
                layers.put(layerKey(name), new LayerWeight.Full((int) info.shape()[0], (int) info.shape()[1],
                        st.loadFloats(name)));
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(weightsFile + " holds no K/V weights");
        }
        Map<String, float[]> tokens = new TreeMap<>(DiffusersExport::compareTokens);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .filter(p -> !p.getFileName().toString().equals(WEIGHTS_FILE)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        for (Path p : files) {
            try (SafeTensors st = SafeTensors.open(p)) {
                if (st.names().size() != 1) {
                    throw new IllegalArgumentException(p + " is not a textual-inversion embedding (expected one tensor, found "
                            + st.names().size() + ")");
                }
                String token = st.names().iterator().next();
                float[] row = st.loadFloats(token);
                long[] shape = st.info(token).shape();
                if (!(shape.length == 1 || (shape.length == 2 && shape[0] == 1))) {
                    throw new IllegalArgumentException(p + ": embedding " + token + " has shape "
                            + java.util.Arrays.toString(shape) + "; only single-vector tokens are supported");
                }
                tokens.put(token, row);
            }
        }
        List<TokenInfo> infos = new ArrayList<>();
        tokens.keySet().forEach(t -> infos.add(new TokenInfo(t, "", "", "")));
        DeltaMetadata meta = DeltaMetadata.of(DeltaKind.FULL, baseModelDigest, infos, null, 0)
                .withExtra("imported_from", "diffusers");
        return new Delta(layers, new LinkedHashMap<>(tokens), meta);
    }

    static int compareTokens(String a, String b) {
        Matcher ma = Pattern.compile("^(\\D*)(\\d+)(.*)$").matcher(a);
        Matcher mb = Pattern.compile("^(\\D*)(\\d+)(.*)$").matcher(b);
        if (ma.matches() && mb.matches() && ma.group(1).equals(mb.group(1))) {
            int c = Comparator.<Long>naturalOrder().compare(Long.parseLong(ma.group(2)), Long.parseLong(mb.group(2)));
            if (c != 0) {
                return c;
            }
        }
        return a.compareTo(b);
    }
}
