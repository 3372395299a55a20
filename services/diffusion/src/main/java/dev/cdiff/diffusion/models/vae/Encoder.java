package dev.cdiff.diffusion.models.vae;

import ai.djl.ndarray.NDArray;
import dev.cdiff.diffusion.models.VaeConfig;
import dev.cdiff.diffusion.models.nn.AttentionSettings;
import dev.cdiff.diffusion.models.nn.Conv2d;
import dev.cdiff.diffusion.models.nn.Downsample2D;
import dev.cdiff.diffusion.models.nn.GroupNorm;
import dev.cdiff.diffusion.models.nn.Ops;
import dev.cdiff.diffusion.models.nn.ParamSource;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D;
import dev.cdiff.diffusion.models.nn.ResnetBlock2D.TimeEmbeddingNorm;

import java.util.ArrayList;
import java.util.List;

/** diffusers vae.Encoder: conv_in, DownEncoderBlock2D x n, mid block, norm, silu, conv_out (2 x latent channels). */
public final class Encoder {
    private final Conv2d convIn;
    private final List<List<ResnetBlock2D>> blockResnets = new ArrayList<>();
    private final List<Downsample2D> downsamplers = new ArrayList<>();
    private final VaeMidBlock mid;
    private final GroupNorm normOut;
    private final Conv2d convOut;

    public Encoder(ParamSource p, String prefix, VaeConfig c, AttentionSettings settings) {
        int[] ch = c.blockOutChannels();
        int groups = c.normNumGroups();
        this.convIn = new Conv2d(p, prefix + "conv_in.", c.inChannels(), ch[0], 3, 1, 1);
        long out = ch[0];
        for (int i = 0; i < ch.length; i++) {
            long in = out;
            out = ch[i];
            String bp = prefix + "down_blocks." + i + ".";
            List<ResnetBlock2D> resnets = new ArrayList<>();
            for (int j = 0; j < c.layersPerBlock(); j++) {
                resnets.add(new ResnetBlock2D(p, bp + "resnets." + j + ".", j == 0 ? in : out, out, 0, groups,
                        Vae.EPS, 1f, TimeEmbeddingNorm.DEFAULT));
            }
            blockResnets.add(resnets);
            // The VAE downsamples with padding 0 plus an asymmetric (0,1,0,1) pad.
            downsamplers.add(i < ch.length - 1 ? new Downsample2D(p, bp + "downsamplers.0.", out, 0) : null);
        }
        long last = ch[ch.length - 1];
        this.mid = new VaeMidBlock(p, prefix + "mid_block.", last, groups, c.midBlockAddAttention(), settings);
        this.normOut = new GroupNorm(p, prefix + "conv_norm_out.", groups, last, Vae.EPS);
        this.convOut = new Conv2d(p, prefix + "conv_out.", last, 2L * c.latentChannels(), 3, 1, 1);
    }

    public NDArray forward(NDArray image) {
        NDArray h = convIn.forward(image);
        for (int i = 0; i < blockResnets.size(); i++) {
            for (ResnetBlock2D r : blockResnets.get(i)) {
                try (NDArray prev = h) {
                    h = r.forward(prev, null);
                }
            }
            Downsample2D d = downsamplers.get(i);
            if (d != null) {
                try (NDArray prev = h) {
                    h = d.forward(prev);
                }
            }
        }
        try (NDArray prev = h; NDArray m = mid.forward(prev); NDArray n = normOut.forward(m); NDArray a = Ops.silu(n)) {
            return convOut.forward(a);
        }
    }
}
