package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.io.SafeTensors;
import dev.cdiff.diffusion.io.TensorInfo;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A Custom Diffusion delta: the trained cross-attention K/V matrices (keyed by their UNet checkpoint names, e.g.
 * {@code down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight}), the learned token embedding rows and
 * {@link DeltaMetadata}. One safetensors file:
 * <ul>
 *   <li>full / fp16: {@code <layer key>} [out, in] (F32 / F16)</li>
 *   <li>lowrank: {@code <layer key>.lowrank_up} [out, r] and {@code <layer key>.lowrank_down} [r, in], W = W0 + up down</li>
 *   <li>{@code token_embedding.<token>} [hidden] for every learned token, in token order</li>
 * </ul>
 */
public final class Delta {
    public static final String TOKEN_PREFIX = "token_embedding.";
    public static final String UP_SUFFIX = ".lowrank_up";
    public static final String DOWN_SUFFIX = ".lowrank_down";

    private final Map<String, LayerWeight> layers;
    private final Map<String, float[]> tokenEmbeddings;
    private final DeltaMetadata metadata;

    public Delta(Map<String, LayerWeight> layers, Map<String, float[]> tokenEmbeddings, DeltaMetadata metadata) {
        this.layers = Collections.unmodifiableMap(new TreeMap<>(layers));
        this.tokenEmbeddings = Collections.unmodifiableMap(new LinkedHashMap<>(tokenEmbeddings));
        this.metadata = metadata;
        for (var t : metadata.tokens()) {
            if (!tokenEmbeddings.containsKey(t.token())) {
                throw new IllegalArgumentException("metadata names token " + t.token() + " but the delta has no embedding for it");
            }
        }
        if (metadata.tokens().size() != tokenEmbeddings.size()) {
            throw new IllegalArgumentException("delta has " + tokenEmbeddings.size() + " token embeddings but metadata lists "
                    + metadata.tokens().size() + " tokens");
        }
        boolean factored = layers.values().stream().anyMatch(l -> l instanceof LayerWeight.Factored);
        if (factored != (metadata.kind() == DeltaKind.LOWRANK)) {
            throw new IllegalArgumentException("delta kind " + metadata.kind().id()
                    + (factored ? " cannot hold low-rank layers" : " requires low-rank layers"));
        }
    }

    public Map<String, LayerWeight> layers() {
        return layers;
    }

    public Map<String, float[]> tokenEmbeddings() {
        return tokenEmbeddings;
    }

    public DeltaMetadata metadata() {
        return metadata;
    }

    public DeltaKind kind() {
        return metadata.kind();
    }

    /** Full weights of every layer; {@code baseWeight} supplies W0 (only consulted for low-rank layers). */
    public Map<String, float[]> materialize(Function<String, float[]> baseWeight) {
        Map<String, float[]> out = new TreeMap<>();
        layers.forEach((k, l) -> out.put(k, l.materialize(l instanceof LayerWeight.Factored ? baseWeight.apply(k) : null)));
        return out;
    }

    /** The same weights as a full (or fp16) delta. */
    public Delta toFull(Function<String, float[]> baseWeight, DeltaKind kind) {
        if (kind == DeltaKind.LOWRANK) {
            throw new IllegalArgumentException("use LowRankDelta.compress to make a low-rank delta");
        }
        Map<String, LayerWeight> full = new TreeMap<>();
        materialize(baseWeight).forEach((k, w) -> {
            LayerWeight l = layers.get(k);
            full.put(k, new LayerWeight.Full(l.rows(), l.cols(), w));
        });
        return new Delta(full, tokenEmbeddings, metadata.withKind(kind));
    }

    /** Same content stored as another kind; full <-> fp16 only (fp16 rounding happens on write). */
    public Delta withKind(DeltaKind kind) {
        if (kind == DeltaKind.LOWRANK || metadata.kind() == DeltaKind.LOWRANK) {
            throw new IllegalArgumentException("converting to or from lowrank needs the base weights");
        }
        return new Delta(layers, tokenEmbeddings, metadata.withKind(kind));
    }

    public void write(Path file) {
        try (NDManager m = ComputeDevice.newManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            layers.forEach((k, l) -> {
                if (l instanceof LayerWeight.Full f) {
                    tensors.put(k, m.create(f.weight(), new Shape(f.rows(), f.cols())));
                } else if (l instanceof LayerWeight.Factored f) {
                    tensors.put(k + UP_SUFFIX, m.create(f.up(), new Shape(f.rows(), f.rank())));
                    tensors.put(k + DOWN_SUFFIX, m.create(f.down(), new Shape(f.rank(), f.cols())));
                }
            });
            tokenEmbeddings.forEach((t, row) -> tensors.put(TOKEN_PREFIX + t, m.create(row)));
            SafeTensors.write(file, tensors, metadata.toHeader(), metadata.kind() == DeltaKind.FP16);
        }
    }

    public static Delta read(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            DeltaMetadata meta = DeltaMetadata.fromHeader(st.metadata(), file.toString());
            Map<String, LayerWeight> layers = new TreeMap<>();
            Map<String, float[]> tokens = new LinkedHashMap<>();
            for (var t : meta.tokens()) {
                String name = TOKEN_PREFIX + t.token();
                if (!st.contains(name)) {
                    throw new IllegalArgumentException(file + " lacks the embedding tensor " + name);
                }
                tokens.put(t.token(), st.loadFloats(name));
            }
            for (String name : st.names()) {
                if (name.startsWith(TOKEN_PREFIX)) {
                    continue;
                }
                if (name.endsWith(UP_SUFFIX)) {
                    String key = name.substring(0, name.length() - UP_SUFFIX.length());
                    String downName = key + DOWN_SUFFIX;
                    if (!st.contains(downName)) {
                        throw new IllegalArgumentException(file + " has " + name + " but no " + downName);
                    }
                    TensorInfo up = st.info(name);
                    TensorInfo down = st.info(downName);
                    layers.put(key, new LayerWeight.Factored((int) up.shape()[0], (int) down.shape()[1],
                            (int) up.shape()[1], st.loadFloats(name), st.loadFloats(downName)));
                } else if (name.endsWith(DOWN_SUFFIX)) {
                    continue;
                } else {
                    TensorInfo info = st.info(name);
                    if (info.shape().length != 2) {
                        throw new IllegalArgumentException(file + ": layer " + name + " is not 2-D");
                    }
                    layers.put(name, new LayerWeight.Full((int) info.shape()[0], (int) info.shape()[1], st.loadFloats(name)));
                }
            }
            return new Delta(layers, tokens, meta);
        }
    }
}
