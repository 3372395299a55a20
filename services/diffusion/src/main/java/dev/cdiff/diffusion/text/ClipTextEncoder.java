package dev.cdiff.diffusion.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.io.WeightMap;
import dev.cdiff.diffusion.models.nn.Ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * transformers' CLIPTextModel forward pass (last_hidden_state): token + position embeddings,
 * pre-LayerNorm transformer layers with causal self-attention, final LayerNorm.
 * Parameters live in the manager given at load time; each forward pass's intermediates live in a
 * sub-manager of the input's manager, and only the result is kept.
 */
public final class ClipTextEncoder implements AutoCloseable {
    public static final String TOKEN_EMBEDDING = "embeddings.token_embedding.weight";
    public static final String POSITION_EMBEDDING = "embeddings.position_embedding.weight";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClipTextConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> params;

    private ClipTextEncoder(ClipTextConfig config, NDManager manager, Map<String, NDArray> params) {
        this.config = config;
        this.manager = manager;
        this.params = params;
        long rows = params.get(TOKEN_EMBEDDING).getShape().get(0);
        if (rows != config.vocabSize()) {
            throw new IllegalArgumentException("text encoder token embedding has " + rows
                    + " rows but config vocab_size is " + config.vocabSize());
        }
        if (params.get(POSITION_EMBEDDING).getShape().get(0) < config.maxPositions()) {
            throw new IllegalArgumentException("text encoder position embedding is shorter than max_position_embeddings");
        }
    }

    public static ClipTextEncoder load(Path textEncoderDir, NDManager manager) {
        ClipTextConfig config = ClipTextConfig.from(ModelFolder.readConfig(textEncoderDir));
        NDManager own = manager.newSubManager();
        WeightMap weights = WeightMap.load(textEncoderDir, own);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (String name : expectedNames(config)) {
            params.put(name, weights.require(name));
        }
        for (String extra : weights.names()) {
            if (!params.containsKey(extra)) {
                weights.require(extra).close();
            }
        }
        return new ClipTextEncoder(config, own, params);
    }

    /** Randomly initialised encoder with transformers' CLIP initialisation scales. */
    public static ClipTextEncoder create(JsonNode configJson, NDManager manager, long seed) {
        ClipTextConfig config = ClipTextConfig.from(configJson);
        NDManager own = manager.newSubManager();
        Random rnd = new Random(seed);
        double factor = configJson.path("initializer_factor").asDouble(1.0);
        int h = config.hiddenSize();
        double inProjStd = Math.pow(h, -0.5) * Math.pow(2.0 * config.numLayers(), -0.5) * factor;
        double outProjStd = Math.pow(h, -0.5) * factor;
        double fcStd = Math.pow(2.0 * h, -0.5) * factor;
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (String name : expectedNames(config)) {
            Shape shape = shapeOf(name, config);
            double std;
            if (name.endsWith(".bias")) {
                std = 0;
            } else if (name.contains("layer_norm")) {
                params.put(name, own.ones(shape));
                continue;
            } else if (name.startsWith("embeddings.")) {
                std = 0.02 * factor;
            } else if (name.contains("out_proj")) {
                std = outProjStd;
            } else if (name.contains("fc1")) {
                std = fcStd;
            } else {
                std = inProjStd;
            }
            float[] v = new float[(int) shape.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rnd.nextGaussian() * std);
            }
            params.put(name, own.create(v, shape));
        }
        return new ClipTextEncoder(config, own, params);
    }

    private static Iterable<String> expectedNames(ClipTextConfig config) {
        java.util.List<String> names = new java.util.ArrayList<>();
        names.add(TOKEN_EMBEDDING);
        names.add(POSITION_EMBEDDING);
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "encoder.layers." + i + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                names.add(p + "self_attn." + proj + ".weight");
                names.add(p + "self_attn." + proj + ".bias");
            }
            for (String n : new String[] {"layer_norm1", "layer_norm2", "mlp.fc1", "mlp.fc2"}) {
                names.add(p + n + ".weight");
                names.add(p + n + ".bias");
            }
        }
        names.add("final_layer_norm.weight");
        names.add("final_layer_norm.bias");
        return names;
    }

    private static Shape shapeOf(String name, ClipTextConfig c) {
        int h = c.hiddenSize();
        boolean bias = name.endsWith(".bias");
        if (name.equals(TOKEN_EMBEDDING)) {
            return new Shape(c.vocabSize(), h);
        }
        if (name.equals(POSITION_EMBEDDING)) {
            return new Shape(c.maxPositions(), h);
        }
        if (name.contains("mlp.fc1")) {
            return bias ? new Shape(c.intermediateSize()) : new Shape(c.intermediateSize(), h);
        }
        if (name.contains("mlp.fc2")) {
            return bias ? new Shape(h) : new Shape(h, c.intermediateSize());
        }
        if (name.contains("layer_norm")) {
            return new Shape(h);
        }
        return bias ? new Shape(h) : new Shape(h, h);
    }

    public ClipTextConfig config() {
        return config;
    }

    public int hiddenSize() {
        return config.hiddenSize();
    }

    public int vocabSize() {
        return (int) params.get(TOKEN_EMBEDDING).getShape().get(0);
    }

    /** The [vocab, hidden] token embedding table (live array). */
    public NDArray tokenEmbedding() {
        return params.get(TOKEN_EMBEDDING);
    }

    /** Parameters by checkpoint key (no {@code text_model.} prefix); live arrays. */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** Replaces a parameter with a copy of {@code value} (same shape), stored in this encoder's manager. */
    public void setParameter(String name, NDArray value) {
        NDArray old = params.get(name);
        if (old == null) {
            throw new IllegalArgumentException("text encoder has no parameter " + name);
        }
        if (!old.getShape().equals(value.getShape()) && !name.equals(TOKEN_EMBEDDING)) {
            throw new IllegalArgumentException("parameter " + name + " has shape " + old.getShape()
                    + ", got " + value.getShape());
        }
        NDArray copy = manager.create(value.toType(DataType.FLOAT32, false).toFloatArray(), value.getShape());
        copy.setName(name);
        params.put(name, copy);
        old.close();
    }

    /**
     * Makes {@code value} itself the array used for parameter {@code name} (same shape; the caller owns it and keeps it
     * open while the encoder uses it). Unlike {@link #setParameter} nothing is copied, so a leaf that requires gradients
     * receives them from {@link #encode}: this is how a trainer trains the transformer layers. The token table is not
     * accepted here, since its rows train through the trainable-rows path of {@code encode}.
     */
    public void installParameter(String name, NDArray value) {
        NDArray old = params.get(name);
        if (old == null || name.equals(TOKEN_EMBEDDING)) {
            throw new IllegalArgumentException("text encoder cannot install parameter " + name);
        }
        if (!old.getShape().equals(value.getShape()) || value.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("parameter " + name + " is float32 " + old.getShape()
                    + ", got " + value.getDataType() + " " + value.getShape());
        }
        params.put(name, value);
    }

    /** Overwrites one row of the token embedding (e.g. a trained {@code <new1>} row). */
    public void setTokenRow(int id, float[] row) {
        if (row.length != hiddenSize()) {
            throw new IllegalArgumentException("embedding row has " + row.length + " values, expected " + hiddenSize());
        }
        if (id < 0 || id >= vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the embedding table of " + vocabSize());
        }
        try (NDManager tmp = manager.newSubManager()) {
            tokenEmbedding().set(new NDIndex(id), tmp.create(row));
        }
    }

    public float[] tokenRow(int id) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray r = tokenEmbedding().get(new NDIndex(id));
            r.attach(tmp);
            return r.toFloatArray();
        }
    }

    /** Appends rows to the token embedding (new tokens get ids vocabSize(), vocabSize()+1, ...). */
    public void addTokenRows(float[][] rows) {
        if (rows.length == 0) {
            return;
        }
        int h = hiddenSize();
        float[] flat = new float[rows.length * h];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != h) {
                throw new IllegalArgumentException("embedding row " + i + " has " + rows[i].length + " values, expected " + h);
            }
            System.arraycopy(rows[i], 0, flat, i * h, h);
        }
        NDArray old = tokenEmbedding();
        NDArray extra = manager.create(flat, new Shape(rows.length, h));
        NDArray grown = old.concat(extra, 0);
        grown.setName(TOKEN_EMBEDDING);
        params.put(TOKEN_EMBEDDING, grown);
        old.close();
        extra.close();
    }

    /** last_hidden_state [B, S, hidden] for INT64 ids [B, S]; the result is in the ids' manager. */
    public NDArray encode(NDArray inputIds) {
        return encode(inputIds, null, new int[0]);
    }

    /**
     * Forward pass in which the embedding rows of {@code trainableRowIds} come from
     * {@code trainableRows} [k, hidden] (which may require gradients) instead of the table, so
     * gradients reach only those rows and the table itself never changes.
     */
    public NDArray encode(NDArray inputIds, NDArray trainableRows, int[] trainableRowIds) {
        return encode(inputIds, trainableRows, trainableRowIds, 0);
    }

    /**
     * Like diffusers' {@code clip_skip}: the output of the layer {@code clipSkip} layers before the
     * last, passed through the final LayerNorm (0 = last_hidden_state).
     */
    public NDArray encode(NDArray inputIds, int clipSkip) {
        return encode(inputIds, null, new int[0], clipSkip);
    }

    public NDArray encode(NDArray inputIds, NDArray trainableRows, int[] trainableRowIds, int clipSkip) {
        if (clipSkip < 0 || clipSkip >= config.numLayers()) {
            throw new IllegalArgumentException("clip skip " + clipSkip + " must be in 0.." + (config.numLayers() - 1));
        }
        if (inputIds.getShape().dimension() != 2) {
            throw new IllegalArgumentException("input ids must be [batch, length], got " + inputIds.getShape());
        }
        long batch = inputIds.getShape().get(0);
        long len = inputIds.getShape().get(1);
        if (len > config.maxPositions()) {
            throw new IllegalArgumentException("sequence length " + len + " exceeds max_position_embeddings "
                    + config.maxPositions());
        }
        NDManager outer = inputIds.getManager();
        try (NDManager step = outer.newSubManager()) {
            NDArray ids = inputIds.toType(DataType.INT64, false).reshape(batch * len);
            ids.attach(step);
            long maxId = ids.max().getLong();
            long minId = ids.min().getLong();
            if (minId < 0 || maxId >= vocabSize()) {
                throw new IllegalArgumentException("token id " + (minId < 0 ? minId : maxId)
                        + " is outside the text encoder's embedding table of " + vocabSize() + " rows");
            }
            NDArray tokens = tokenEmbedding().get(new NDIndex("{}", ids));
            tokens.attach(step);
            tokens = tokens.reshape(batch, len, hiddenSize());
            if (trainableRows != null) {
                NDArray ids3 = ids.reshape(batch, len, 1);
                for (int j = 0; j < trainableRowIds.length; j++) {
                    NDArray mask = ids3.eq(trainableRowIds[j]).toType(DataType.FLOAT32, false);
                    NDArray row = trainableRows.get(new NDIndex(j));
                    row.attach(step);
                    tokens = tokens.mul(mask.sub(1f).neg()).add(mask.mul(row.reshape(1, 1, hiddenSize())));
                }
            }
            NDArray positions = params.get(POSITION_EMBEDDING).get(new NDIndex(":{}", len));
            positions.attach(step);
            NDArray h = tokens.add(positions.expandDims(0));
            NDArray causal = causalMask(step, len);
            for (int i = 0; i < config.numLayers() - clipSkip; i++) {
                h = layer(h, causal, "encoder.layers." + i + ".");
            }
            NDArray out = layerNorm(h, "final_layer_norm.");
            out.attach(outer);
            return out;
        }
    }

    private NDArray layer(NDArray h, NDArray causal, String p) {
        NDArray attn = selfAttention(layerNorm(h, p + "layer_norm1."), causal, p + "self_attn.");
        NDArray afterAttn = h.add(attn);
        NDArray mlp = linear(activation(linear(layerNorm(afterAttn, p + "layer_norm2."), p + "mlp.fc1")), p + "mlp.fc2");
        return afterAttn.add(mlp);
    }

    private NDArray selfAttention(NDArray x, NDArray causal, String p) {
        long b = x.getShape().get(0);
        long s = x.getShape().get(1);
        int heads = config.numHeads();
        int d = config.headDim();
        float scale = (float) Math.pow(d, -0.5);
        NDArray q = splitHeads(Ops.scale(linear(x, p + "q_proj"), scale), b, s, heads, d);
        NDArray k = splitHeads(linear(x, p + "k_proj"), b, s, heads, d);
        NDArray v = splitHeads(linear(x, p + "v_proj"), b, s, heads, d);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(causal);
        NDArray ctx = scores.softmax(-1).matMul(v);
        NDArray merged = ctx.transpose(0, 2, 1, 3).reshape(b, s, (long) heads * d);
        return linear(merged, p + "out_proj");
    }

    private static NDArray splitHeads(NDArray x, long b, long s, int heads, int d) {
        return x.reshape(b, s, heads, d).transpose(0, 2, 1, 3);
    }

    /** Additive mask with the float32 minimum above the diagonal, as transformers builds it. */
    private static NDArray causalMask(NDManager m, long len) {
        float[] mask = new float[(int) (len * len)];
        for (int i = 0; i < len; i++) {
            for (int j = i + 1; j < len; j++) {
                mask[(int) (i * len + j)] = -Float.MAX_VALUE;
            }
        }
        return m.create(mask, new Shape(1, 1, len, len));
    }

    private NDArray linear(NDArray x, String prefix) {
        return Ops.linear(x, params.get(prefix + ".weight"), params.get(prefix + ".bias"));
    }

    private NDArray layerNorm(NDArray x, String prefix) {
        return LayerNorm.layerNorm(x, new Shape(hiddenSize()), params.get(prefix + "weight"),
                params.get(prefix + "bias"), (float) config.layerNormEps()).singletonOrThrow();
    }

    private NDArray activation(NDArray x) {
        switch (config.hiddenAct()) {
            case "quick_gelu":
                return x.mul(Activation.sigmoid(Ops.scale(x, 1.702f)));
            case "gelu":
                return Activation.gelu(x);
            default: {
                // tanh approximation used by gelu_new / gelu_pytorch_tanh
                NDArray cube = x.mul(x).mul(x);
                NDArray inner = Ops.scale(x.add(Ops.scale(cube, 0.044715f)), (float) Math.sqrt(2.0 / Math.PI));
                return Ops.scale(x, 0.5f).mul(inner.tanh().add(1f));
            }
        }
    }

    /** Writes config.json and model.safetensors in the transformers layout (keys without text_model.). */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(),
                    config.toJson(vocabSize()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write text encoder config to " + dir, e);
        }
        SafeTensors.write(dir.resolve("model.safetensors"), params, Map.of("format", "pt"), false);
    }

    @Override
    public void close() {
        manager.close();
    }
}
