package dev.cdiff.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.io.WeightMap;
import dev.cdiff.diffusion.models.nn.AttentionSettings;
import dev.cdiff.diffusion.models.nn.CheckpointParams;
import dev.cdiff.diffusion.models.nn.Conv2d;
import dev.cdiff.diffusion.models.nn.GroupNorm;
import dev.cdiff.diffusion.models.nn.Ops;
import dev.cdiff.diffusion.models.nn.Param;
import dev.cdiff.diffusion.models.nn.ParamSource;
import dev.cdiff.diffusion.models.nn.RandomParams;
import dev.cdiff.diffusion.models.nn.TimestepEmbedding;
import dev.cdiff.diffusion.models.unet.UNetBlockSpec;
import dev.cdiff.diffusion.models.unet.UNetDownBlock;
import dev.cdiff.diffusion.models.unet.UNetMidBlockCrossAttn;
import dev.cdiff.diffusion.models.unet.UNetUpBlock;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * diffusers UNet2DConditionModel (SD 1.x / 2.x family) built from config.json, with parameters
 * named exactly as in the checkpoint. Weights live in a sub-manager of the manager given at
 * construction (released by {@link #close()}); forward intermediates and results live in the
 * manager of the {@code sample} argument, so callers bound memory with a per-step sub-manager.
 * Forward is differentiable with DJL autograd w.r.t. any parameter that requires gradients.
 */
public final class UNet2DConditionModel implements AutoCloseable {
    private final UNetConfig config;
    private final NDManager manager;
    private final Map<String, Param> params;
    private final AttentionSettings attention = new AttentionSettings();
    private final TimestepEmbedding timeEmbedding;
    private final Conv2d convIn;
    private final List<UNetDownBlock> downBlocks = new ArrayList<>();
    private final UNetMidBlockCrossAttn midBlock;
    private final List<UNetUpBlock> upBlocks = new ArrayList<>();
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    private UNet2DConditionModel(UNetConfig config, ParamSource p, NDManager manager) {
        this.config = config;
        this.manager = manager;
        int[] ch = config.blockOutChannels();
        int n = config.numBlocks();
        long temb = config.timeEmbeddingDim();
        this.timeEmbedding = new TimestepEmbedding(p, "time_embedding.", ch[0], temb, config.flipSinToCos(),
                config.freqShift());
        this.convIn = new Conv2d(p, "conv_in.", config.inChannels(), ch[0], config.convInKernel(), 1,
                (config.convInKernel() - 1) / 2);

        long out = ch[0];
        for (int i = 0; i < n; i++) {
            long in = out;
            out = ch[i];
            boolean last = i == n - 1;
            UNetBlockSpec spec = new UNetBlockSpec(config.layersPerBlock()[i], in, out, temb, config.normNumGroups(),
                    config.normEps(), config.resnetTimeScaleShift(), config.attentionHeads()[i],
                    config.transformerLayersPerBlock()[i], config.crossAttentionDim()[i], config.useLinearProjection());
            boolean cross = UNetConfig.CROSS_ATTN_DOWN.equals(config.downBlockTypes().get(i));
            downBlocks.add(new UNetDownBlock(p, "down_blocks." + i + ".", spec, cross, !last,
                    config.downsamplePadding(), attention));
        }

        if (config.midBlockType() != null) {
            UNetBlockSpec spec = new UNetBlockSpec(1, ch[n - 1], ch[n - 1], temb, config.normNumGroups(),
                    config.normEps(), config.resnetTimeScaleShift(), config.attentionHeads()[n - 1],
                    config.transformerLayersPerBlock()[n - 1], config.crossAttentionDim()[n - 1],
                    config.useLinearProjection());
            this.midBlock = new UNetMidBlockCrossAttn(p, "mid_block.", spec, config.midBlockScaleFactor(), attention);
        } else {
            this.midBlock = null;
        }

        long upOut = ch[n - 1];
        for (int i = 0; i < n; i++) {
            int rev = n - 1 - i;
            long prevOut = upOut;
            upOut = ch[rev];
            long in = ch[Math.max(rev - 1, 0)];
            boolean last = i == n - 1;
            UNetBlockSpec spec = new UNetBlockSpec(config.layersPerBlock()[rev] + 1, in, upOut, temb,
                    config.normNumGroups(), config.normEps(), config.resnetTimeScaleShift(), config.attentionHeads()[rev],
                    config.reverseTransformerLayersPerBlock()[i], config.crossAttentionDim()[rev],
                    config.useLinearProjection());
            boolean cross = UNetConfig.CROSS_ATTN_UP.equals(config.upBlockTypes().get(i));
            upBlocks.add(new UNetUpBlock(p, "up_blocks." + i + ".", spec, prevOut, cross, !last, attention));
        }
        this.convNormOut = new GroupNorm(p, "conv_norm_out.", config.normNumGroups(), ch[0], config.normEps());
        this.convOut = new Conv2d(p, "conv_out.", ch[0], config.outChannels(), config.convOutKernel(), 1,
                (config.convOutKernel() - 1) / 2);
        this.params = p.params();
    }

    /** Loads {@code unetDir}/config.json and its safetensors weights (legacy key names normalised). */
    public static UNet2DConditionModel load(Path unetDir, NDManager m) {
        UNetConfig config = UNetConfig.parse(ModelFolder.readConfig(unetDir));
        NDManager own = m.newSubManager();
        try {
            CheckpointParams source = new CheckpointParams(WeightMap.load(unetDir, own));
            UNet2DConditionModel model = new UNet2DConditionModel(config, source, own);
            ModelFiles.requireAllUsed(source, "unet", unetDir);
            return model;
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /** A randomly initialised model (PyTorch default init), reproducible from {@code seed}. */
    public static UNet2DConditionModel create(JsonNode configJson, NDManager m, long seed) {
        UNetConfig config = UNetConfig.parse(configJson);
        NDManager own = m.newSubManager();
        try {
            return new UNet2DConditionModel(config, new RandomParams(own, seed), own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * A copy of this model with every weight converted to {@code type} (e.g. FLOAT16 for half-precision sampling), in
     * a sub-manager of {@code m}; its {@link #forward} computes in that type and answers in the type of its input.
     * Later {@link #setParameter} calls on this model do not reach the copy.
     */
    public UNet2DConditionModel withWeightsAs(DataType type, NDManager m) {
        NDManager own = m.newSubManager();
        try {
            ParamSource cast = new ParamSource() {
                @Override
                protected NDArray provide(String name, Shape shape, Init init, long fanIn) {
                    NDArray converted = params.get(name).get().toType(type, true);
                    converted.attach(own);
                    return converted;
                }
            };
            UNet2DConditionModel copy = new UNet2DConditionModel(config, cast, own);
            copy.attention.setMaxScoreElements(attention.maxScoreElements());
            return copy;
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /** The type of the weights, which is the type {@link #forward} computes in. */
    public DataType weightType() {
        return params.values().iterator().next().get().getDataType();
    }

    /**
     * @param sample               [B, in_channels, H, W]
     * @param timesteps            [B] or a single value (int or float)
     * @param encoderHiddenStates  [B, tokens, cross_attention_dim]
     * @return [B, out_channels, H, W] in sample's manager
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray encoderHiddenStates) {
        DataType own = weightType();
        if (sample.getDataType() != own) {
            // computed in the weights' type, answered in the caller's
            try (NDArray x = sample.toType(own, true);
                 NDArray context = encoderHiddenStates.toType(own, true);
                 NDArray y = forward(x, timesteps, context)) {
                return y.toType(sample.getDataType(), true);
            }
        }
        long batch = sample.getShape().get(0);
        List<NDArray> owned = new ArrayList<>();
        try {
            // A float copy in the sample's manager, so the embedding's intermediates land there too.
            NDArray t = track(owned, Ops.local(timesteps.toType(DataType.FLOAT32, true), sample));
            if (t.getShape().size() == 1 && (t.getShape().dimension() != 1 || batch != 1)) {
                NDArray single = track(owned, t.reshape(1));
                t = track(owned, single.repeat(0, batch));
            } else if (t.getShape().dimension() != 1 || t.getShape().get(0) != batch) {
                throw new IllegalArgumentException("timesteps must have one value per batch item (" + batch
                        + "), got shape " + t.getShape());
            }
            NDArray emb = track(owned, timeEmbedding.forward(t));
            NDArray x = sample;
            if (config.centerInputSample()) {
                NDArray doubled = track(owned, Ops.scale(sample, 2f));
                x = track(owned, doubled.sub(1f));
            }
            List<NDArray> skips = new ArrayList<>();
            try {
                NDArray h = convIn.forward(x);
                skips.add(h);
                for (UNetDownBlock block : downBlocks) {
                    h = block.forward(h, emb, encoderHiddenStates, skips);
                }
                if (midBlock != null) {
                    h = track(owned, midBlock.forward(h, emb, encoderHiddenStates));
                }
                for (UNetUpBlock block : upBlocks) {
                    NDArray next = block.forward(h, emb, encoderHiddenStates, skips);
                    if (next != h) {
                        track(owned, next);
                    }
                    h = next;
                }
                NDArray normed = track(owned, convNormOut.forward(h));
                NDArray act = track(owned, Ops.silu(normed));
                return convOut.forward(act);
            } finally {
                skips.forEach(NDArray::close);
            }
        } finally {
            owned.forEach(NDArray::close);
        }
    }

    private static NDArray track(List<NDArray> owned, NDArray a) {
        owned.add(a);
        return a;
    }

    public UNetConfig config() {
        return config;
    }

    /** Live parameter arrays keyed by checkpoint name. */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(ModelFiles.values(params));
    }

    /** The {@code attn2.to_k.weight} / {@code attn2.to_v.weight} of every cross-attention layer (live arrays). */
    public Map<String, NDArray> crossAttentionKv() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (isCrossAttentionKv(k)) {
                out.put(k, v.get());
            }
        });
        return out;
    }

    /** Whether a checkpoint weight is one of the cross-attention K/V projections Custom Diffusion fine-tunes. */
    public static boolean isCrossAttentionKv(String name) {
        return name.endsWith(".attn2.to_k.weight") || name.endsWith(".attn2.to_v.weight");
    }

    /**
     * The cross-attention K/V weights of a UNet checkpoint as float32 [out, in] row-major, read without building the
     * model: a merge reads only these (SD-1.5: 32 weights, 77 MB of a 3.4 GB checkpoint). Each must be a matrix
     * whose input width is one of the config's {@code cross_attention_dim}s, and K and V must come in pairs.
     */
    public static Map<String, float[]> loadCrossAttentionKv(Path unetDir) {
        UNetConfig config = UNetConfig.parse(ModelFolder.readConfig(unetDir));
        Map<String, float[]> out = new java.util.TreeMap<>();
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            WeightMap weights = WeightMap.load(ModelFolder.weightFiles(unetDir), m,
                    UNet2DConditionModel::isCrossAttentionKv);
            for (Map.Entry<String, NDArray> e : weights.asMap().entrySet()) {
                Shape shape = e.getValue().getShape();
                boolean knownWidth = shape.dimension() == 2 && java.util.Arrays.stream(config.crossAttentionDim())
                        .anyMatch(w -> w == shape.get(1));
                if (!knownWidth) {
                    throw new IllegalArgumentException("unet weight " + e.getKey() + " in " + unetDir + " has shape "
                            + shape + ", not [out, cross_attention_dim] of its config");
                }
                out.put(e.getKey(), e.getValue().toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no cross-attention K/V weights in " + unetDir);
        }
        for (String key : out.keySet()) {
            String partner = key.endsWith("to_k.weight") ? key.replace("attn2.to_k.", "attn2.to_v.")
                    : key.replace("attn2.to_v.", "attn2.to_k.");
            if (!out.containsKey(partner)) {
                throw new IllegalArgumentException("unet checkpoint in " + unetDir + " has " + key + " but not "
                        + partner);
            }
        }
        return out;
    }

    /** Replaces the array used for parameter {@code name} (same shape and type); the caller owns {@code value}. */
    public void setParameter(String name, NDArray value) {
        Param p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unet has no parameter named " + name);
        }
        p.set(value);
    }

    /** When on, cross-attention stops gradients through the key and value of text token 0 (BOS). */
    public void setDetachFirstTokenKv(boolean detach) {
        attention.setDetachFirstTokenKv(detach);
    }

    public boolean detachFirstTokenKv() {
        return attention.detachFirstTokenKv();
    }

    /** Bounds the attention score matrix computed at once (elements); larger ones are sliced. */
    public void setMaxAttentionScoreElements(long elements) {
        attention.setMaxScoreElements(elements);
    }

    /** Writes config.json and diffusion_pytorch_model.safetensors (current parameter values, float32). */
    public void save(Path dir) {
        ModelFiles.save(dir, config.json(), "UNet2DConditionModel", params);
    }

    public NDManager manager() {
        return manager;
    }

    /** Releases the weights this model loaded or created (not arrays given via setParameter). */
    @Override
    public void close() {
        manager.close();
    }
}
