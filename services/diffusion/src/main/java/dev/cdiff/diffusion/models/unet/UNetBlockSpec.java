package dev.cdiff.diffusion.models.unet;

import dev.cdiff.diffusion.models.nn.ResnetBlock2D.TimeEmbeddingNorm;

/** Shapes and settings shared by the layers of one UNet block. */
public record UNetBlockSpec(
        int layers,
        long inChannels,
        long outChannels,
        long tembChannels,
        int groups,
        float eps,
        TimeEmbeddingNorm timeNorm,
        int heads,
        int transformerLayers,
        long crossAttentionDim,
        boolean linearProjection) {
}
