package dev.cdiff.diffusion.pipelines;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Output of a run: final latents (scaled, as the UNet sees them) and the decoded images as
 * float [B, 3, H, W] in [0, 1] plus 8-bit RGB images.
 */
public record SampleResult(float[] latents, long[] latentShape, float[] pixels, int height, int width,
                           List<BufferedImage> images) {
    public int count() {
        return images.size();
    }
}
