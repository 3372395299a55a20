package dev.cdiff.diffusion.tools;

/**
 * Keeps DJL from touching the network: offline mode (no engine or model downloads) and no usage
 * tracking. DJL reads these as system properties when the env variables are unset, so commands call
 * this before the first engine use.
 */
public final class DjlSetup {
    private DjlSetup() {
    }

    public static void offline() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }
}
