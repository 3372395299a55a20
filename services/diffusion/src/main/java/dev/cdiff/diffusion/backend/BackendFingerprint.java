package dev.cdiff.diffusion.backend;

import ai.djl.engine.Engine;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What decides the floating-point result of a training run besides its inputs: the engine and its version, the oneDNN
 * instruction set its kernels take, the thread count and the device. Two runs with equal inputs and an equal
 * fingerprint are expected to agree to the bit; a delta or a TrainingCompleted event carries it so an audit can tell
 * "bit-identical" from "different machine".
 *
 * @param engine        engine name and version, e.g. {@code PyTorch 2.5.1}
 * @param djl           DJL version
 * @param isa           the oneDNN ISA the kernels take: the CPU's best level, capped by {@code ONEDNN_MAX_CPU_ISA}
 * @param isaCap        the {@code ONEDNN_MAX_CPU_ISA} setting, or {@code unset}
 * @param threads       intra-op threads ({@code ai.djl.pytorch.num_threads}), or {@code default}
 * @param device        the engine's default device
 * @param cpu           the CPU model name
 */
public record BackendFingerprint(String engine, String djl, String isa, String isaCap, String threads, String device,
                                 String cpu) {

    /** The fingerprint of this process. Starts the engine if it has not started. */
    public static BackendFingerprint current() {
        Engine e = Engine.getInstance();
        String cap = isaCapSetting();
        return new BackendFingerprint(engineName(e), Engine.getDjlVersion(),
                OneDnnIsa.effective(ThisCpu.ISA, cap), cap == null ? "unset" : cap,
                System.getProperty("ai.djl.pytorch.num_threads", "default"), deviceName(e.defaultDevice()),
                ThisCpu.MODEL);
    }

    /**
     * The engine and the libtorch it runs. With DJL's own libtorch, its name and version. With another one
     * ({@code PYTORCH_LIBRARY_PATH}, as {@code CDIFF_LIBTORCH} sets it), DJL reports whatever {@code PYTORCH_VERSION}
     * says, so the folder's {@code engine.properties} (tools/build_libtorch_engine.sh) is read: its version must agree,
     * and its digest of libtorch_cpu.so joins the name, since two builds of one version need not compute alike. A
     * folder without the file is named by its path.
     */
    private static String engineName(Engine e) {
        String base = e.getEngineName() + " " + e.getVersion();
        // the same lookup DJL's loader makes, so the fingerprint sees the override exactly when the engine does
        String override = ai.djl.util.Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH");
        if (override == null || override.isBlank() || !"PyTorch".equals(e.getEngineName())) {
            return base;
        }
        Path dir = Path.of(ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
        Path props = dir.resolve(ENGINE_PROPERTIES);
        try {
            return describeOverride(base, e.getVersion(), dir,
                    Files.isRegularFile(props) ? Files.readString(props) : null);
        } catch (IOException ex) {
            throw new IllegalStateException("cannot read " + props, ex);
        }
    }

    static final String ENGINE_PROPERTIES = "engine.properties";

    /** The engine name for a libtorch loaded from {@code dir}, whose engine.properties text may be null. */
    static String describeOverride(String base, String reported, Path dir, String properties) {
        if (properties == null) {
            return base + " (libtorch from " + dir + ", no " + ENGINE_PROPERTIES + ")";
        }
        Properties folder = new Properties();
        try {
            folder.load(new StringReader(properties));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
        String recorded = property(folder, "pytorch.version");
        String digest = property(folder, "sha256.libtorch_cpu.so");
        if (recorded == null || digest == null || digest.length() < 12) {
            throw new IllegalStateException(dir + "/" + ENGINE_PROPERTIES
                    + " lacks pytorch.version or sha256.libtorch_cpu.so; rebuild it with tools/build_libtorch_engine.sh");
        }
        if (!recorded.equals(reported)) {
            throw new IllegalStateException("the engine reports libtorch " + reported + " but " + dir + "/"
                    + ENGINE_PROPERTIES + " records " + recorded + "; set CDIFF_LIBTORCH (the launcher reads the"
                    + " version from the folder) instead of PYTORCH_LIBRARY_PATH and PYTORCH_VERSION by hand");
        }
        return base + " (libtorch_cpu.so " + digest.substring(0, 12) + ")";
    }

    private static String property(Properties folder, String key) {
        String v = folder.getProperty(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** The CPU does not change under a running process; /proc/cpuinfo is read once, not at every event. */
    private static final class ThisCpu {
        static final String ISA = OneDnnIsa.ofThisCpu();
        static final String MODEL = cpuModel();
    }

    /** One line for logs and error messages. */
    public String describe() {
        return engine + " (DJL " + djl + "), oneDNN ISA " + isa + " (ONEDNN_MAX_CPU_ISA " + isaCap + "), "
                + threads + " threads, device " + device + ", CPU " + cpu;
    }

    /** Ordered key/value form, as stored in delta metadata and events. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("engine", engine);
        m.put("djl", djl);
        m.put("isa", isa);
        m.put("isa_cap", isaCap);
        m.put("threads", threads);
        m.put("device", device);
        m.put("cpu", cpu);
        return m;
    }

    /** Compact single-string form ({@code key=value;...}), stable for equality checks. */
    public String encode() {
        StringBuilder sb = new StringBuilder();
        toMap().forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append(';');
            }
            sb.append(k).append('=').append(v.replace(';', ',').replace('=', ':'));
        });
        return sb.toString();
    }

    private static String deviceName(ai.djl.Device d) {
        return d.isGpu() ? "gpu:" + d.getDeviceId() : d.getDeviceType();
    }

    static String isaCapSetting() {
        String v = System.getenv("ONEDNN_MAX_CPU_ISA");
        if (v == null || v.isBlank()) {
            v = System.getenv("DNNL_MAX_CPU_ISA");
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc unreadable: the architecture still tells something
        }
        return System.getProperty("os.arch");
    }
}
