package dev.cdiff.diffusion.models.vae;

import ai.djl.ndarray.NDArray;
import dev.cdiff.diffusion.models.nn.AttentionSettings;
import dev.cdiff.diffusion.models.nn.ParamSource;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D.TimeEmbeddingNorm;
import dev.cdiff.diffusion.models.nn.SpatialSelfAttention;

/** UNetMidBlock2D as used by the VAE: resnet, optional single-head spatial attention, resnet; no time embedding. */
final class VaeMidBlock {
    private final ResnetBlock2D first;
    private final SpatialSelfAttention attention;
    private final ResnetBlock2D second;

    VaeMidBlock(ParamSource p, String prefix, long channels, int groups, boolean withAttention,
                AttentionSettings settings) {
        this.first = new ResnetBlock2D(p, prefix + "resnets.0.", channels, channels, 0, groups, Vae.EPS, 1f,
                TimeEmbeddingNorm.DEFAULT);
        // attention_head_dim = channels, so a single head.
        this.attention = withAttention
                ? new SpatialSelfAttention(p, prefix + "attentions.0.", channels, 1, groups, Vae.EPS, 1f, settings)
                : null;
        this.second = new ResnetBlock2D(p, prefix + "resnets.1.", channels, channels, 0, groups, Vae.EPS, 1f,
                TimeEmbeddingNorm.DEFAULT);
    }

    NDArray forward(NDArray x) {
        try (NDArray h = first.forward(x, null)) {
            if (attention == null) {
                return second.forward(h, null);
            }
            try (NDArray a = attention.forward(h)) {
                return second.forward(a, null);
            }
        }
    }
}
