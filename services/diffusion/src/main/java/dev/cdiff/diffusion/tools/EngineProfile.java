package dev.cdiff.diffusion.tools;

import ai.djl.pytorch.jni.JniUtils;

import java.nio.file.Path;

/**
 * libtorch's own op profiler around a stretch of a benchmark, so the ops of one of our steps can be counted and
 * timed against {@code torch.profiler} on the PyTorch reference (the same recorder underneath, so the same op names).
 * Records the calling thread and the autograd work it runs.
 */
final class EngineProfile {
    private EngineProfile() {
    }

    static void start() {
        JniUtils.startProfile(false, true, false);
    }

    /** Stops the recorder and writes its events to {@code file} as Chrome trace JSON. */
    static void stop(Path file) {
        JniUtils.stopProfile(file.toAbsolutePath().toString());
    }
}
