package dev.cdiff.diffusion.models.vae;

import ai.djl.ndarray.NDArray;
import dev.cdiff.diffusion.models.VaeConfig;
import dev.cdiff.diffusion.models.nn.AttentionSettings;
import dev.cdiff.diffusion.models.nn.Conv2d;
import dev.cdiff.diffusion.models.nn.GroupNorm;
import dev.cdiff.diffusion.models.nn.Ops;
import dev.cdiff.diffusion.models.nn.ParamSource;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D.TimeEmbeddingNorm;
import dev.cdiff.diffusion.models.nn.Upsample2D;

import java.util.ArrayList;
import java.util.List;

/** diffusers vae.Decoder: conv_in, mid block, UpDecoderBlock2D x n (layers_per_block + 1 resnets), norm, silu, conv_out. */
public final class Decoder {
    private final Conv2d convIn;
    private final VaeMidBlock mid;
    private final List<List<ResnetBlock2D>> blockResnets = new ArrayList<>();
    private final List<Upsample2D> upsamplers = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public Decoder(ParamSource p, String prefix, VaeConfig c, AttentionSettings settings) {
        int[] ch = c.blockOutChannels();
        int groups = c.normNumGroups();
        int n = ch.length;
        long top = ch[n - 1];
        this.convIn = new Conv2d(p, prefix + "conv_in.", c.latentChannels(), top, 3, 1, 1);
        this.mid = new VaeMidBlock(p, prefix + "mid_block.", top, groups, c.midBlockAddAttention(), settings);
        long out = top;
        for (int i = 0; i < n; i++) {
            long prev = out;
            out = ch[n - 1 - i];
            String bp = prefix + "up_blocks." + i + ".";
            List<ResnetBlock2D> resnets = new ArrayList<>();
            for (int j = 0; j < c.layersPerBlock() + 1; j++) {
                resnets.add(new ResnetBlock2D(p, bp + "resnets." + j + ".", j == 0 ? prev : out, out, 0, groups,
                        Vae.EPS, 1f, TimeEmbeddingNorm.DEFAULT));
            }
            blockResnets.add(resnets);
            upsamplers.add(i < n - 1 ? new Upsample2D(p, bp + "upsamplers.0.", out) : null);
        }
        this.normOut = new GroupNorm(p, prefix + "conv_norm_out.", groups, ch[0], Vae.EPS);
        this.convOut = new Conv2d(p, prefix + "conv_out.", ch[0], c.outChannels(), 3, 1, 1);
    }

    public NDArray forward(NDArray latents) {
        NDArray h;
        try (NDArray in = convIn.forward(latents)) {
            h = mid.forward(in);
        }
        for (int i = 0; i < blockResnets.size(); i++) {
            for (ResnetBlock2D r : blockResnets.get(i)) {
                try (NDArray prev = h) {
                    h = r.forward(prev, null);
                }
            }
            Upsample2D u = upsamplers.get(i);
            if (u != null) {
                try (NDArray prev = h) {
                    h = u.forward(prev);
                }
            }
        }
        try (NDArray prev = h; NDArray n = normOut.forward(prev); NDArray a = Ops.silu(n)) {
            return convOut.forward(a);
        }
    }
}
