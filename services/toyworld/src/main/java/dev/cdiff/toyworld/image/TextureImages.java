package dev.cdiff.toyworld.image;

import dev.cdiff.toyworld.world.PaletteColor;
import java.util.SplittableRandom;

/**
 * Captionless random textures for VAE training: checkers, horizontal/vertical/diagonal stripes and concentric
 * bands in random palette colour pairs and random cell sizes, so the autoencoder can represent high-frequency
 * patterns it would otherwise never see (the diffusion model never sees these images).
 */
public final class TextureImages {
    private TextureImages() {}

    public static ToyImage generate(int size, SplittableRandom random) {
        PaletteColor[] palette = PaletteColor.values();
        PaletteColor a = palette[random.nextInt(palette.length)];
        PaletteColor b;
        do {
            b = palette[random.nextInt(palette.length)];
        } while (b == a);
        int cell = 1 + random.nextInt(4);
        int kind = random.nextInt(5);
        int ox = random.nextInt(8);
        int oy = random.nextInt(8);
        ToyImage img = new ToyImage(size, size);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int lx = x + ox;
                int ly = y + oy;
                int band = switch (kind) {
                    case 0 -> lx / cell + ly / cell;
                    case 1 -> ly / cell;
                    case 2 -> lx / cell;
                    case 3 -> (lx + ly) / cell;
                    default -> Math.max(Math.abs(x - size / 2), Math.abs(y - size / 2)) / cell;
                };
                img.set(x, y, (band % 2 == 0 ? a : b).rgb());
            }
        }
        return img;
    }
}
