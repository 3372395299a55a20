package dev.cdiff.diffusion.backend;

/**
 * Training refused because this machine's engine computes wrong training gradients. The message names the backend
 * and a setting that avoids the wrong kernels, so an operator can act without reading code.
 */
public final class BackendGradientException extends IllegalStateException {
    private final transient GradientSelfCheck.Result result;

    public BackendGradientException(GradientSelfCheck.Result result) {
        super("training refused: this backend computes wrong training gradients. " + result.summary()
                + ". Worst output: " + result.detail() + ". Workaround: restart with ONEDNN_MAX_CPU_ISA=SSE41 in the "
                + "environment (oneDNN then takes its SSE4.1 kernels, which compute the reference step correctly), "
                + "and report the fingerprint above.");
        this.result = result;
    }

    public GradientSelfCheck.Result result() {
        return result;
    }
}
