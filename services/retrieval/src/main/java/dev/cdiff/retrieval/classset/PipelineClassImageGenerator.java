package dev.cdiff.retrieval.classset;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SampleResult;
import dev.cdiff.diffusion.pipelines.StableDiffusion;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Class images from the base model's text-to-image pipeline. The pipeline is loaded on first use: most requests
 * are served from the corpus or the cache and never need the UNet and VAE in memory.
 */
public final class PipelineClassImageGenerator implements ClassImageGenerator, AutoCloseable {
    private final Path modelDir;
    private final String scheduler;
    private NDManager manager;
    private StableDiffusion pipeline;

    /** @param scheduler ddpm, ddim or dpm; null for the model's own */
    public PipelineClassImageGenerator(Path modelDir, String scheduler) {
        this.modelDir = modelDir;
        this.scheduler = scheduler;
    }

    @Override
    public synchronized List<byte[]> generate(String prompt, int count, long seed, int steps, double guidance,
                                              int side) {
        if (pipeline == null) {
            manager = ComputeDevice.newManager();
            pipeline = StableDiffusion.load(modelDir, manager);
        }
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            // one image per run, seeded by its index, so image i is the same whatever the count
            SampleRequest request = SampleRequest.of(prompt).steps(steps).guidance((float) guidance).seed(seed + i);
            if (scheduler != null) {
                request.scheduler(scheduler);
            }
            if (side > 0) {
                request.size(side, side);
            }
            SampleResult result = pipeline.generate(request);
            out.add(png(result.images().get(0)));
        }
        return out;
    }

    private static byte[] png(java.awt.image.BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public synchronized void close() {
        if (pipeline != null) {
            pipeline.close();
            manager.close();
            pipeline = null;
        }
    }
}
