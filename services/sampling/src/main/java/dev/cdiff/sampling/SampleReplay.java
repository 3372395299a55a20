package dev.cdiff.sampling;

import dev.cdiff.diffusion.pipelines.SampleResult;
import dev.cdiff.diffusion.pipelines.StableDiffusion;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.TenantArtifactReader;
import dev.cdiff.schemas.events.SampleRequested;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Re-derives the images a SampleRequested produced, without Kafka: the same checks, the same pipeline (the base
 * model with the request's delta applied) and the same PNG encoding, so equal pixels give equal digests.
 */
public final class SampleReplay {
    private SampleReplay() {
    }

    /** The PNG bytes of every image, in the order SamplesGenerated lists them. */
    public static List<byte[]> pngs(SampleRequested request, ArtifactStore store, Path baseModelDir, Path workDir) {
        SampleHandler.check(request);
        try (Pipelines pipelines = new Pipelines(baseModelDir)) {
            StableDiffusion pipeline = request.getDelta() == null ? pipelines.base()
                    : pipelines.withDelta(request.getDelta().getSha256(),
                    SampleHandler.delta(new TenantArtifactReader(store, workDir), request, pipelines));
            SampleResult result = pipeline.generate(SampleHandler.sampleRequest(request));
            List<byte[]> out = new ArrayList<>();
            for (BufferedImage image : result.images()) {
                out.add(SampleHandler.png(image));
            }
            return out;
        }
    }
}
