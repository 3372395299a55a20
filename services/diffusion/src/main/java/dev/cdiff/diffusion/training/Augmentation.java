package dev.cdiff.diffusion.training;

import dev.cdiff.diffusion.images.RgbImage;

import java.util.random.RandomGenerator;

/**
 * The instance-image augmentation of the reference CustomDiffusionDataset (diffusers
 * examples/custom_diffusion): with probability 0.66 the image is resized to a random side in
 * [size/3, size] and pasted at a random place on an empty canvas (value 0 in [-1, 1] space), and the loss mask
 * covers the pasted region shrunk by one latent pixel on every side; otherwise it is enlarged to a random side in
 * [1.2 size, 1.4 size) and randomly cropped (mask all ones). Shrunk images (side < 0.6 size) get the prompt prefix
 * "a far away " or "very small ", enlarged ones "zoomed in " or "close up ". An optional horizontal flip with
 * probability 0.5 comes first. Class (regularization) images are resized so the shorter side is {@code size} and
 * randomly cropped, with a full mask.
 */
public final class Augmentation {
    public static final double SHRINK_PROBABILITY = 0.66;

    private final int size;
    private final int latentSize;
    private final boolean enabled;
    private final boolean hflip;

    /**
     * @param size       training resolution in pixels
     * @param latentSize latent resolution (size / VAE downsampling factor)
     * @param enabled    false reproduces the reference's --noaug (plain resize to size)
     * @param hflip      the reference's --hflip
     */
    public Augmentation(int size, int latentSize, boolean enabled, boolean hflip) {
        if (size <= 0 || latentSize <= 0 || size % latentSize != 0) {
            throw new IllegalArgumentException("resolution " + size + " must be a positive multiple of the latent size "
                    + latentSize);
        }
        this.size = size;
        this.latentSize = latentSize;
        this.enabled = enabled;
        this.hflip = hflip;
    }

    /** An augmented training example: pixels [3, size, size] in [-1, 1], mask [latent, latent], prompt. */
    public record Example(float[] pixels, float[] mask, String prompt) {
    }

    public Example instance(RgbImage image, String prompt, RandomGenerator rnd) {
        RgbImage img = hflip && rnd.nextDouble() < 0.5 ? image.flipHorizontal() : image;
        int scale = size;
        if (enabled) {
            scale = rnd.nextDouble() < SHRINK_PROBABILITY
                    ? size / 3 + rnd.nextInt(size - size / 3 + 1)
                    : (int) (1.2 * size) + rnd.nextInt(Math.max(1, (int) (1.4 * size) - (int) (1.2 * size)));
        }
        int factor = size / latentSize;
        int outer = Math.max(size, scale);
        int inner = Math.min(size, scale);
        int top = rnd.nextInt(outer - inner + 1);
        int left = rnd.nextInt(outer - inner + 1);
        RgbImage resized = img.resize(scale, scale);
        float[] pixels = new float[3 * size * size];
        float[] mask = new float[latentSize * latentSize];
        if (scale > size) {
            RgbImage crop = resized.crop(top, left, size, size);
            toSigned(crop.chw(), pixels);
            java.util.Arrays.fill(mask, 1f);
        } else {
            float[] src = resized.chw();
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < scale; y++) {
                    for (int x = 0; x < scale; x++) {
                        pixels[(c * size + top + y) * size + left + x] = src[(c * scale + y) * scale + x] * 2f - 1f;
                    }
                }
            }
            int y0 = top / factor + 1;
            int y1 = (top + scale) / factor - 1;
            int x0 = left / factor + 1;
            int x1 = (left + scale) / factor - 1;
            if (y1 <= y0 || x1 <= x0) {
                // At small latent sizes (e.g. 32 px images, latent factor 4) the reference's one-pixel margin can
                // leave no valid latent pixel, and the masked mean becomes 0/0. Keep the latent pixels the pasted
                // image covers instead; never fewer than one.
                y0 = top / factor;
                x0 = left / factor;
                y1 = Math.max(y0 + 1, (top + scale + factor - 1) / factor);
                x1 = Math.max(x0 + 1, (left + scale + factor - 1) / factor);
            }
            for (int y = Math.max(0, y0); y < Math.min(latentSize, y1); y++) {
                for (int x = Math.max(0, x0); x < Math.min(latentSize, x1); x++) {
                    mask[y * latentSize + x] = 1f;
                }
            }
        }
        String p = prompt;
        if (scale < 0.6 * size) {
            p = (rnd.nextBoolean() ? "a far away " : "very small ") + prompt;
        } else if (scale > size) {
            p = (rnd.nextBoolean() ? "zoomed in " : "close up ") + prompt;
        }
        return new Example(pixels, mask, p);
    }

    public Example regularization(RgbImage image, String prompt, RandomGenerator rnd) {
        RgbImage img = hflip && rnd.nextDouble() < 0.5 ? image.flipHorizontal() : image;
        int h = img.height();
        int w = img.width();
        int nh = h <= w ? size : (int) Math.round((double) h * size / w);
        int nw = h <= w ? (int) Math.round((double) w * size / h) : size;
        RgbImage resized = img.resize(Math.max(size, nh), Math.max(size, nw));
        int top = rnd.nextInt(resized.height() - size + 1);
        int left = rnd.nextInt(resized.width() - size + 1);
        float[] pixels = new float[3 * size * size];
        toSigned(resized.crop(top, left, size, size).chw(), pixels);
        float[] mask = new float[latentSize * latentSize];
        java.util.Arrays.fill(mask, 1f);
        return new Example(pixels, mask, prompt);
    }

    private static void toSigned(float[] unit, float[] out) {
        for (int i = 0; i < unit.length; i++) {
            out[i] = unit[i] * 2f - 1f;
        }
    }

    public int size() {
        return size;
    }

    public int latentSize() {
        return latentSize;
    }
}
