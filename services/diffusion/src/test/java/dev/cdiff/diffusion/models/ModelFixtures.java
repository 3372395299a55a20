package dev.cdiff.diffusion.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.io.ConfigReader;
import dev.cdiff.diffusion.io.SafeTensors;

import java.nio.file.Path;
import java.util.SplittableRandom;

/** Shared inputs for model tests: the tiny reference pipeline and its golden case tensors. */
final class ModelFixtures {
    private ModelFixtures() {
    }

    static Path tinySd() {
        return GoldenFolder.configured().resolve("models/tiny-sd");
    }

    static Path tinySdLegacy() {
        return GoldenFolder.configured().resolve("models/tiny-sd-legacy");
    }

    static Path unetCase() {
        return GoldenFolder.configured().resolve("cases/unet.safetensors");
    }

    static ObjectNode unetConfig() {
        return (ObjectNode) ConfigReader.readJson(tinySd().resolve("unet/config.json"));
    }

    static ObjectNode vaeConfig() {
        return (ObjectNode) ConfigReader.readJson(tinySd().resolve("vae/config.json"));
    }

    /** The unet golden case inputs: sample, timestep, encoder_hidden_states. */
    static NDArray[] unetInputs(NDManager m) {
        try (SafeTensors t = SafeTensors.open(unetCase())) {
            return new NDArray[] {t.load("in.sample", m), t.load("in.timestep", m),
                    t.load("in.encoder_hidden_states", m)};
        }
    }

    static NDArray gaussian(NDManager m, long seed, long... shape) {
        Shape s = new Shape(shape);
        float[] data = new float[Math.toIntExact(s.size())];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < data.length; i++) {
            // Box-Muller
            double u1 = Math.max(r.nextDouble(), 1e-12);
            double u2 = r.nextDouble();
            data[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return m.create(data, s);
    }

    static double maxAbsDiff(NDArray a, NDArray b) {
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        if (x.length != y.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs((double) x[i] - y[i]));
        }
        return worst;
    }
}
