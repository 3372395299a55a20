package dev.cdiff.diffusion.tools;

import ai.djl.pytorch.jni.JniUtils;

import java.nio.file.Path;

/**
 * libtorch's own op recorder over a benchmark's timed steps, so one of our steps can be counted and timed op by op
 * against the PyTorch reference's profiler trace (same format, same op names; {@code tools/compare_traces.py}). It
 * records the thread that runs the steps, backward passes included.
 */
final class EngineProfile implements AutoCloseable {
    private final Path file;
    private final int warmup;
    private final int steps;
    private boolean recording;

    /** Records steps {@code warmup + 1 .. steps} into {@code file} (Chrome trace JSON); records nothing if it is null. */
    EngineProfile(Path file, int warmup, int steps) {
        this.file = file;
        this.warmup = warmup;
        this.steps = steps;
    }

    /** Call at the end of every step (1-based): the recorder starts after the warm-up and stops after the last step. */
    void stepEnded(int step) {
        if (file == null) {
            return;
        }
        if (step == warmup && !recording) {
            JniUtils.startProfile(false, true, false);
            recording = true;
        } else if (step == steps && recording) {
            stop();
        }
    }

    /** Ends a recording that the steps did not finish (a failed run), writing what it holds. */
    @Override
    public void close() {
        if (recording) {
            stop();
        }
    }

    private void stop() {
        recording = false;
        JniUtils.stopProfile(file.toAbsolutePath().toString());
    }
}
