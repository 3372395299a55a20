package dev.cdiff.retrieval.features;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Caption features in the BASE MODEL's text-encoder space: the final-layer-normed hidden state at the EOS token
 * (CLIP's "pooled" output), L2-normalised.
 *
 * <p>Why EOS and not the mean over tokens: CLIP's text tower is causal and was trained so that the EOS position
 * summarises the whole caption (it is the vector CLIP projects for text-image similarity). A mean over the 77
 * positions is dominated by the padding positions, which in Stable Diffusion's tokenizer repeat the EOS/pad id and
 * carry mostly position information, so two captions of similar length look alike regardless of content. The mean of
 * the real tokens only would weigh "a", "of", "photo" as much as the class noun. The EOS feature is also what
 * clip-retrieval (used by the Custom Diffusion paper to pick regularization images) compares, minus CLIP's
 * projection, which the diffusion text encoder does not have.
 */
public final class CaptionEmbedder implements AutoCloseable {
    private static final int BATCH = 16;

    private final ClipTokenizer tokenizer;
    private final ClipTextEncoder encoder;
    private final NDManager manager;

    private CaptionEmbedder(ClipTokenizer tokenizer, ClipTextEncoder encoder, NDManager manager) {
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.manager = manager;
    }

    /** Loads tokenizer/ and text_encoder/ of a diffusers model folder. */
    public static CaptionEmbedder load(Path modelDir) {
        Path tokenizerDir = modelDir.resolve("tokenizer");
        Path encoderDir = modelDir.resolve("text_encoder");
        if (!Files.isDirectory(tokenizerDir) || !Files.isDirectory(encoderDir)) {
            throw new IllegalArgumentException("base model folder " + modelDir
                    + " must contain tokenizer/ and text_encoder/ (diffusers layout)");
        }
        NDManager manager = ComputeDevice.newManager();
        try {
            return new CaptionEmbedder(ClipTokenizer.load(tokenizerDir), ClipTextEncoder.load(encoderDir, manager),
                    manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public int dimension() {
        return encoder.hiddenSize();
    }

    public float[] embed(String caption) {
        return embedAll(List.of(caption)).get(0);
    }

    /** One unit-length feature per caption, in order. */
    public synchronized List<float[]> embedAll(List<String> captions) {
        List<float[]> out = new ArrayList<>(captions.size());
        for (int start = 0; start < captions.size(); start += BATCH) {
            List<String> batch = captions.subList(start, Math.min(captions.size(), start + BATCH));
            int len = tokenizer.maxLength();
            long[] ids = new long[batch.size() * len];
            int[] eosAt = new int[batch.size()];
            for (int b = 0; b < batch.size(); b++) {
                int[] tokens = tokenizer.encode(batch.get(b));
                eosAt[b] = eosPosition(tokens, tokenizer.eosId());
                for (int i = 0; i < len; i++) {
                    ids[b * len + i] = tokens[i];
                }
            }
            try (NDManager step = manager.newSubManager()) {
                NDArray input = step.create(ids, new Shape(batch.size(), len));
                float[] hidden = encoder.encode(input).toFloatArray();
                int h = encoder.hiddenSize();
                for (int b = 0; b < batch.size(); b++) {
                    float[] v = new float[h];
                    System.arraycopy(hidden, (b * len + eosAt[b]) * h, v, 0, h);
                    out.add(normalize(v));
                }
            }
        }
        return out;
    }

    /** First EOS after BOS: with pad id equal to EOS id (SD 1.x) later positions are padding. */
    static int eosPosition(int[] tokens, int eosId) {
        for (int i = 1; i < tokens.length; i++) {
            if (tokens[i] == eosId) {
                return i;
            }
        }
        return tokens.length - 1;
    }

    static float[] normalize(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        if (norm == 0) {
            throw new IllegalStateException("caption feature is the zero vector");
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] / norm);
        }
        return v;
    }

    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Override
    public void close() {
        manager.close();
    }
}
