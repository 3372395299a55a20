package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Freshly initialised parameters following PyTorch's default module initialisation, seeded. */
public final class RandomParams extends ParamSource {
    private final NDManager manager;
    private final SplittableRandom random;

    public RandomParams(NDManager manager, long seed) {
        this.manager = manager;
        this.random = new SplittableRandom(seed);
    }

    @Override
    protected NDArray provide(String name, Shape shape, Init init, long fanIn) {
        float[] data = new float[Math.toIntExact(shape.size())];
        switch (init) {
            case ONES -> Arrays.fill(data, 1f);
            case ZEROS -> { }
            case FAN_IN_UNIFORM -> {
                double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0.0;
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
            }
            default -> throw new IllegalStateException(init.toString());
        }
        return manager.create(data, shape);
    }
}
