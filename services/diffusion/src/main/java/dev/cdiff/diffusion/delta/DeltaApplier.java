package dev.cdiff.diffusion.delta;

import dev.cdiff.diffusion.training.TokenInfo;
import dev.cdiff.diffusion.training.TrainingModels;

import ai.djl.ndarray.NDArray;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.diffusion.text.AddedTokens;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import dev.cdiff.diffusion.text.ClipTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies a delta to a loaded base model: checks the base-model digest, adds the delta's tokens to the tokenizer
 * with their embedding rows, and replaces the UNet weights it holds (low-rank layers are reconstructed as
 * W0 + up down from the current base weights). Apply to a freshly loaded base model: tokens cannot be removed again.
 */
public final class DeltaApplier {
    private static final String FRESH_BASE =
            "apply deltas to a freshly loaded base model (merge deltas to combine concepts)";

    private DeltaApplier() {
    }

    public static void apply(Delta delta, TrainingModels models) {
        apply(delta, models.tokenizer(), models.textEncoder(), models.unet(), models.baseModelDigest());
    }

    /**
     * @param baseModelDigest digest of the loaded base ({@link BaseModelDigest#of}); a delta without a recorded digest
     *                        (e.g. imported from diffusers) is applied without the check
     */
    public static void apply(Delta delta, ClipTokenizer tokenizer, ClipTextEncoder textEncoder,
                             UNet2DConditionModel unet, String baseModelDigest) {
        String expected = delta.metadata().baseModelDigest();
        if (!expected.isEmpty() && !expected.equals(baseModelDigest)) {
            throw new IllegalArgumentException("delta was trained on base model " + expected
                    + " but the loaded base model is " + baseModelDigest + "; load the matching base model");
        }
        Map<String, NDArray> params = unet.parameters();
        for (var e : delta.layers().entrySet()) {
            NDArray base = params.get(e.getKey());
            if (base == null) {
                throw new IllegalArgumentException("delta layer " + e.getKey() + " does not exist in the base UNet");
            }
            if (base.size() != (long) e.getValue().rows() * e.getValue().cols()) {
                throw new IllegalArgumentException("delta layer " + e.getKey() + " has " + e.getValue().rows() + "x"
                        + e.getValue().cols() + " values but the base weight has shape " + base.getShape());
            }
        }
        List<AddedTokens.TokenRow> rows = new ArrayList<>();
        for (TokenInfo t : delta.metadata().tokens()) {
            rows.add(new AddedTokens.TokenRow(t.token(), delta.tokenEmbeddings().get(t.token())));
        }
        AddedTokens.check(tokenizer, textEncoder, rows, FRESH_BASE);
        for (var e : delta.layers().entrySet()) {
            NDArray base = params.get(e.getKey());
            float[] w = e.getValue().materialize(e.getValue() instanceof LayerWeight.Factored ? base.toFloatArray() : null);
            unet.setParameter(e.getKey(), unet.manager().create(w, base.getShape()));
        }
        AddedTokens.add(tokenizer, textEncoder, rows, FRESH_BASE);
    }
}
