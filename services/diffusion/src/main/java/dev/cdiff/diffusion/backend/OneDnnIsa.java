package dev.cdiff.diffusion.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The oneDNN CPU instruction-set levels, in oneDNN's own order and names. oneDNN takes the best level the CPU has,
 * capped by {@code ONEDNN_MAX_CPU_ISA}; which level is taken decides which convolution kernels run, so it belongs in
 * every record of how a result was computed.
 */
final class OneDnnIsa {
    /** Ascending; a cap names one of these (case-insensitive) or {@code ALL}. */
    static final List<String> LEVELS = List.of("sse41", "avx", "avx2", "avx2_vnni", "avx2_vnni_2", "avx512_core",
            "avx512_core_vnni", "avx512_core_bf16", "avx512_core_fp16", "avx512_core_amx", "avx512_core_amx_fp16");

    private OneDnnIsa() {
    }

    /** The best level this CPU supports, from the Linux CPU flags; {@code unknown} elsewhere. */
    static String ofThisCpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return fromFlags(new HashSet<>(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))));
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }

    static String fromFlags(Set<String> f) {
        boolean avx512Core = f.containsAll(List.of("avx512f", "avx512bw", "avx512vl", "avx512dq"));
        if (avx512Core && f.containsAll(List.of("amx_tile", "amx_bf16", "amx_int8"))) {
            return f.contains("amx_fp16") ? "avx512_core_amx_fp16" : "avx512_core_amx";
        }
        if (avx512Core && f.contains("avx512_fp16")) {
            return "avx512_core_fp16";
        }
        if (avx512Core && f.contains("avx512_bf16")) {
            return "avx512_core_bf16";
        }
        if (avx512Core && f.contains("avx512_vnni")) {
            return "avx512_core_vnni";
        }
        if (avx512Core) {
            return "avx512_core";
        }
        if (f.contains("avx2") && f.contains("avx_vnni")) {
            return "avx2_vnni";
        }
        if (f.contains("avx2")) {
            return "avx2";
        }
        if (f.contains("avx")) {
            return "avx";
        }
        if (f.contains("sse4_1")) {
            return "sse41";
        }
        return "below_sse41";
    }

    /** The level kernels take: the CPU's, lowered to {@code cap} when a known cap is set. */
    static String effective(String cpu, String cap) {
        if (cap == null || cap.equalsIgnoreCase("ALL")) {
            return cpu;
        }
        int c = LEVELS.indexOf(cap.toLowerCase(Locale.ROOT));
        int p = LEVELS.indexOf(cpu);
        if (c < 0 || p < 0) {
            return cpu + " capped by " + cap;
        }
        return LEVELS.get(Math.min(c, p));
    }
}
