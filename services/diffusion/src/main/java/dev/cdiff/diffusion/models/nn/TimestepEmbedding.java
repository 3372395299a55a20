package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Sinusoidal timestep features (diffusers get_timestep_embedding, max_period 10000) followed by
 * linear_1, silu, linear_2.
 */
public final class TimestepEmbedding {
    private static final double MAX_PERIOD = 10000.0;

    private final Linear linear1;
    private final Linear linear2;
    private final int featureDim;
    private final boolean flipSinToCos;
    private final double freqShift;

    public TimestepEmbedding(ParamSource p, String prefix, int featureDim, long embedDim, boolean flipSinToCos,
                             double freqShift) {
        this.linear1 = new Linear(p, prefix + "linear_1.", featureDim, embedDim, true);
        this.linear2 = new Linear(p, prefix + "linear_2.", embedDim, embedDim, true);
        this.featureDim = featureDim;
        this.flipSinToCos = flipSinToCos;
        this.freqShift = freqShift;
    }

    /** @param timesteps [B] */
    public NDArray forward(NDArray timesteps) {
        // the features are float32 whatever the weights' type (the sinusoid of t ~ 1000 needs it); cast after
        ai.djl.ndarray.types.DataType type = linear1.weight().get().getDataType();
        try (NDArray wide = sinusoidal(timesteps, featureDim, flipSinToCos, freqShift);
             NDArray features = wide.getDataType() == type ? null : wide.toType(type, false);
             NDArray h = linear1.forward(features == null ? wide : features);
             NDArray a = Ops.silu(h)) {
            return linear2.forward(a);
        }
    }

    /** [B] timesteps -> [B, dim] features, computed in float32 with the same operation order as diffusers. */
    public static NDArray sinusoidal(NDArray timesteps, int dim, boolean flipSinToCos, double freqShift) {
        NDManager m = timesteps.getManager();
        int half = dim / 2;
        try (NDArray asFloat = timesteps.toType(DataType.FLOAT32, true);
             NDArray t = asFloat.reshape(-1, 1);
             NDArray idx = m.arange(0f, (float) half, 1f, DataType.FLOAT32);
             NDArray exponent = idx.mul((float) -Math.log(MAX_PERIOD));
             NDArray scaledExp = exponent.div((float) (half - freqShift));
             NDArray freqs = scaledExp.exp();
             NDArray freqRow = freqs.reshape(1, half);
             NDArray args = t.mul(freqRow);
             NDArray sin = args.sin();
             NDArray cos = args.cos()) {
            NDArray emb = flipSinToCos ? cos.concat(sin, 1) : sin.concat(cos, 1);
            if (dim % 2 == 1) {
                try (NDArray e = emb) {
                    return e.pad(new ai.djl.ndarray.types.Shape(0, 1, 0, 0), 0);
                }
            }
            return emb;
        }
    }
}
