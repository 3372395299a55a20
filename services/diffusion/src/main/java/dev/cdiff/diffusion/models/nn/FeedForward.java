package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** diffusers FeedForward with GEGLU: net.0.proj (dim -> 2*inner), value * gelu(gate), net.2 (inner -> dim). */
public final class FeedForward {
    private final Linear proj;
    private final Linear out;

    public FeedForward(ParamSource p, String prefix, long dim, long inner) {
        this.proj = new Linear(p, prefix + "net.0.proj.", dim, inner * 2, true);
        this.out = new Linear(p, prefix + "net.2.", inner, dim, true);
    }

    public NDArray forward(NDArray x) {
        try (NDArray h = proj.forward(x)) {
            NDList halves = h.split(2, h.getShape().dimension() - 1);
            try (NDArray value = halves.get(0);
                 NDArray gate = halves.get(1);
                 NDArray activated = Ops.gelu(gate);
                 NDArray gated = value.mul(activated)) {
                return out.forward(gated);
            }
        }
    }
}
