package dev.cdiff.sampling;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.delta.BaseModelDigest;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaApplier;
import dev.cdiff.diffusion.pipelines.StableDiffusion;

import java.nio.file.Path;

/**
 * The base pipeline (loaded once) and the pipeline of the most recently used delta. Applying a delta adds tokens and
 * replaces weights for good, so each delta gets a freshly loaded base; keeping the last one makes repeated sampling
 * of the same delta (the usual pattern after a training) cheap.
 */
final class Pipelines implements AutoCloseable {
    private final Path baseModelDir;
    private final String baseModelDigest;
    private NDManager baseManager;
    private StableDiffusion base;
    private String deltaDigest;
    private NDManager deltaManager;
    private StableDiffusion withDelta;

    Pipelines(Path baseModelDir) {
        this.baseModelDir = baseModelDir;
        this.baseModelDigest = BaseModelDigest.of(baseModelDir);
    }

    String baseModelDigest() {
        return baseModelDigest;
    }

    synchronized StableDiffusion base() {
        if (base == null) {
            baseManager = ComputeDevice.newManager();
            base = StableDiffusion.load(baseModelDir, baseManager);
        }
        return base;
    }

    /** @param digest sha256 of the delta file, the cache key */
    synchronized StableDiffusion withDelta(String digest, Delta delta) {
        if (digest.equals(deltaDigest)) {
            return withDelta;
        }
        closeDelta();
        NDManager manager = ComputeDevice.newManager();
        StableDiffusion pipeline = StableDiffusion.load(baseModelDir, manager);
        try {
            DeltaApplier.apply(delta, pipeline.tokenizer(), pipeline.textEncoder(), pipeline.unet(), baseModelDigest);
        } catch (RuntimeException e) {
            pipeline.close();
            manager.close();
            throw e;
        }
        deltaManager = manager;
        withDelta = pipeline;
        deltaDigest = digest;
        return pipeline;
    }

    private void closeDelta() {
        if (withDelta != null) {
            withDelta.close();
            deltaManager.close();
            withDelta = null;
            deltaDigest = null;
        }
    }

    @Override
    public synchronized void close() {
        closeDelta();
        if (base != null) {
            base.close();
            baseManager.close();
            base = null;
        }
    }
}
