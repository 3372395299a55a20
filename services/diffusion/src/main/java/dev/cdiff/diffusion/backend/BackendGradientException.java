package dev.cdiff.diffusion.backend;

/**
 * Training refused because this machine's engine computes wrong training gradients. The message names the backend
 * and a setting that avoids the wrong kernels, so an operator can act without reading code.
 */
public final class BackendGradientException extends IllegalStateException {
    private final transient GradientSelfCheck.Result result;

    public BackendGradientException(GradientSelfCheck.Result result) {
        super("training refused: this backend computes wrong training gradients. " + result.summary()
                + ". First outputs out of tolerance: " + abbreviate(result.detail()) + ". Workaround: restart with "
                + "ONEDNN_MAX_CPU_ISA=SSE41 in the environment (oneDNN then takes its SSE4.1 kernels, which computed "
                + "the reference step correctly wherever the wrong AVX2/AVX-512 results were seen), and report the "
                + "fingerprint above.");
        this.result = result;
    }

    private static String abbreviate(String detail) {
        String d = String.valueOf(detail);
        return d.length() <= 400 ? d : d.substring(0, 400) + " ...";
    }

    public GradientSelfCheck.Result result() {
        return result;
    }
}
