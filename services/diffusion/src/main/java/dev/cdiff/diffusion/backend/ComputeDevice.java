package dev.cdiff.diffusion.backend;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import java.util.Locale;

/**
 * The one device setting of the process: {@code CDIFF_DEVICE=cpu|gpu|gpu:N} (environment), or the system property
 * {@code cdiff.device}, which wins so that tests and embedded services can choose without touching the environment.
 * Every root manager of training, sampling and merging comes from {@link #newManager()}: an op's result lands on its
 * receiver's device, so arrays made anywhere below a root manager stay on that device.
 */
public final class ComputeDevice {
    public static final String ENV = "CDIFF_DEVICE";
    public static final String PROPERTY = "cdiff.device";

    private ComputeDevice() {
    }

    /** The configured device; CPU when nothing is set. */
    public static Device device() {
        String p = System.getProperty(PROPERTY);
        return parse(p != null ? p : System.getenv(ENV));
    }

    /** A root manager on {@link #device()}. */
    public static NDManager newManager() {
        return NDManager.newBaseManager(device());
    }

    /**
     * @throws IllegalArgumentException on anything but blank, {@code cpu}, {@code gpu} or {@code gpu:N} (N ≥ 0): a
     *                                  typo must not silently train on the CPU for hours
     */
    public static Device parse(String value) {
        if (value == null || value.isBlank()) {
            return Device.cpu();
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("cpu")) {
            return Device.cpu();
        }
        if (v.equals("gpu") || v.equals("cuda")) {
            return Device.gpu(0);
        }
        for (String prefix : new String[] {"gpu:", "cuda:"}) {
            if (v.startsWith(prefix)) {
                try {
                    int id = Integer.parseInt(v.substring(prefix.length()));
                    if (id >= 0) {
                        return Device.gpu(id);
                    }
                } catch (NumberFormatException ignored) {
                    // reported below
                }
            }
        }
        throw new IllegalArgumentException(ENV + "=" + value + " is not cpu, gpu or gpu:N");
    }
}
