package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.backend.ComputeDevice;
import dev.cdiff.diffusion.training.TokenInfo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.io.TorchBin;
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
    /** The same weights as PyTorch's zip pickle, the name diffusers' save_attn_procs uses without safetensors. */
    public static final String WEIGHTS_BIN_FILE = "pytorch_custom_diffusion_weights.bin";
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
        export(delta, baseWeight, untrainedProcessors, dir, false);
    }

    /** @param alsoBin also write {@value #WEIGHTS_BIN_FILE} and {@code <token>.bin}, for loaders without safetensors */
    public static void export(Delta delta, Function<String, float[]> baseWeight, Collection<String> untrainedProcessors,
                              Path dir, boolean alsoBin) {
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
            if (alsoBin) {
                Map<String, TorchBin.Tensor> bin = new LinkedHashMap<>();
                tensors.forEach((k, a) -> bin.put(k, new TorchBin.Tensor("float32", a.getShape().getShape(), a.toFloatArray())));
                TorchBin.write(dir.resolve(WEIGHTS_BIN_FILE), bin);
                for (var t : delta.tokenEmbeddings().entrySet()) {
                    TorchBin.write(dir.resolve(binTokenFileName(t.getKey())), Map.of(t.getKey(),
                            new TorchBin.Tensor("float32", new long[] {t.getValue().length}, t.getValue())));
                }
            }
        }
    }

    public static String tokenFileName(String token) {
        if (token.contains("/") || token.contains("\\") || token.equals(".") || token.equals("..")) {
            throw new IllegalArgumentException("token " + token + " cannot be used as a file name");
        }
        return token + ".safetensors";
    }

    static String binTokenFileName(String token) {
        String st = tokenFileName(token);
        return st.substring(0, st.length() - ".safetensors".length()) + ".bin";
    }

    /** Every tensor of a safetensors file or of a PyTorch zip checkpoint (read without code execution). */
    private static Map<String, TorchBin.Tensor> tensors(Path file) {
        Map<String, TorchBin.Tensor> out = new LinkedHashMap<>();
        if (file.getFileName().toString().endsWith(".bin")) {
            TorchBin.read(file).forEach((k, v) -> {
                if (!(v instanceof TorchBin.Tensor t)) {
                    throw new IllegalArgumentException(file + ": " + k + " is not a tensor");
                }
                out.put(k, t);
            });
            return out;
        }
        try (SafeTensors st = SafeTensors.open(file)) {
            for (String name : st.names()) {
                TensorInfo info = st.info(name);
                out.put(name, new TorchBin.Tensor(info.dtype(), info.shape(),
                        info.elementCount() == 0 ? new float[0] : st.loadFloats(name)));
            }
        }
        return out;
    }

    /**
     * Reads a diffusers Custom Diffusion folder back as a full delta, from safetensors or, when only those exist,
     * from {@value #WEIGHTS_BIN_FILE} and {@code <token>.bin} files. Token files are every other
     * {@code *.safetensors} in the folder holding exactly one tensor; tokens are ordered by name with numbers
     * compared numerically ({@code <new2>} before {@code <new10>}).
     */
    public static Delta importFolder(Path dir, String baseModelDigest) {
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile) && Files.isRegularFile(dir.resolve(WEIGHTS_BIN_FILE))) {
            weightsFile = dir.resolve(WEIGHTS_BIN_FILE);
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new IllegalArgumentException(dir + " has no " + WEIGHTS_FILE + " or " + WEIGHTS_BIN_FILE);
        }
        String ext = weightsFile.getFileName().toString().endsWith(".bin") ? ".bin" : ".safetensors";
        Map<String, LayerWeight> layers = new TreeMap<>();
        for (var e : tensors(weightsFile).entrySet()) {
            String name = e.getKey();
            TorchBin.Tensor t = e.getValue();
            if (t.values().length == 0) {
                continue;
            }
            if (name.contains("to_q_custom_diffusion") || name.contains("to_out_custom_diffusion")) {
                throw new IllegalArgumentException(weightsFile + " holds " + name
                        + ": query/output fine-tuning (freeze_model=crossattn) is not supported, only K/V");
            }
            if (t.shape().length != 2) {
                throw new IllegalArgumentException(weightsFile + ": " + name + " is not a 2-D weight");
            }
            layers.put(layerKey(name), new LayerWeight.Full((int) t.shape()[0], (int) t.shape()[1], t.values()));
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(weightsFile + " holds no K/V weights");
        }
        Map<String, float[]> tokens = new TreeMap<>(DiffusersExport::compareTokens);
        List<Path> files;
        String weightsName = weightsFile.getFileName().toString();
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(ext))
                    .filter(p -> !p.getFileName().toString().equals(weightsName)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        for (Path p : files) {
            Map<String, TorchBin.Tensor> one = tensors(p);
            if (one.size() != 1) {
                throw new IllegalArgumentException(p + " is not a textual-inversion embedding (expected one tensor, found "
                        + one.size() + ")");
            }
            String token = one.keySet().iterator().next();
            long[] shape = one.get(token).shape();
            if (!(shape.length == 1 || (shape.length == 2 && shape[0] == 1))) {
                throw new IllegalArgumentException(p + ": embedding " + token + " has shape "
                        + java.util.Arrays.toString(shape) + "; only single-vector tokens are supported");
            }
            tokens.put(token, one.get(token).values());
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
