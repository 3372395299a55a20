package dev.cdiff.diffusion.models.vae;

/** Constants the diffusers VAE hard-codes rather than reading from config. */
final class Vae {
    /** eps of every GroupNorm in the VAE encoder/decoder. */
    static final float EPS = 1e-6f;

    private Vae() {
    }
}
