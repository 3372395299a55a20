package dev.cdiff.diffusion.delta;

/** One trained K/V matrix of a delta, either stored whole or as low-rank factors of its change. */
public sealed interface LayerWeight permits LayerWeight.Full, LayerWeight.Factored {
    int rows();

    int cols();

    /** The layer's weight (row-major rows x cols); {@code base} is the base model's weight, needed by factored layers. */
    float[] materialize(float[] base);

    record Full(int rows, int cols, float[] weight) implements LayerWeight {
        public Full {
            if ((long) rows * cols != weight.length) {
                throw new IllegalArgumentException("weight of " + weight.length + " values is not " + rows + "x" + cols);
            }
        }

        @Override
        public float[] materialize(float[] base) {
            return weight.clone();
        }
    }

    /** W = W0 + up * down, up [rows, rank] (carries the singular values), down [rank, cols]. */
    record Factored(int rows, int cols, int rank, float[] up, float[] down) implements LayerWeight {
        public Factored {
            if ((long) rows * rank != up.length || (long) rank * cols != down.length) {
                throw new IllegalArgumentException("factor sizes " + up.length + "/" + down.length
                        + " do not match " + rows + "x" + rank + " and " + rank + "x" + cols);
            }
        }

        @Override
        public float[] materialize(float[] base) {
            if (base == null) {
                throw new IllegalArgumentException("a low-rank layer needs the base weight to be applied");
            }
            if (base.length != rows * cols) {
                throw new IllegalArgumentException("base weight has " + base.length + " values, layer is "
                        + rows + "x" + cols);
            }
            float[] out = new float[rows * cols];
            // row by row with the rank loop outside the column loop: the column loop runs over contiguous memory
            // (vectorised by the JIT) and every element still sums base + up_0 down_0 + up_1 down_1 + ... in order
            double[] acc = new double[cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    acc[j] = base[i * cols + j];
                }
                for (int k = 0; k < rank; k++) {
                    double u = up[i * rank + k];
                    int row = k * cols;
                    for (int j = 0; j < cols; j++) {
                        acc[j] += u * down[row + j];
                    }
                }
                for (int j = 0; j < cols; j++) {
                    out[i * cols + j] = (float) acc[j];
                }
            }
            return out;
        }
    }
}
