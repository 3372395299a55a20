package dev.cdiff.sampling;

import dev.cdiff.platform.kafka.EventPublisher;

import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.pipelines.SampleRequest;
import dev.cdiff.diffusion.pipelines.SampleResult;
import dev.cdiff.diffusion.pipelines.StableDiffusion;
import dev.cdiff.platform.kafka.InboundEvent;
import dev.cdiff.platform.store.ArtifactRefused;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.TenantArtifactReader;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.SamplesGenerated;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** SampleRequested -> images (base model, optionally with the tenant's delta) -> PNGs in S3 -> SamplesGenerated. */
final class SampleHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SampleHandler.class);
    private static final io.micrometer.core.instrument.Timer DURATION = io.micrometer.core.instrument.Timer
            .builder("cdiff.sample.duration").description("Time from a sample request to its stored images")
            .register(dev.cdiff.platform.metrics.ServiceMetrics.registry());
    private static final Set<String> SCHEDULERS = Set.of("ddpm", "ddim", "dpm");
    static final int MAX_STEPS = 1000;
    static final int MAX_IMAGES = 64;

    private final Pipelines pipelines;
    private final ArtifactStore store;
    private final EventPublisher publisher;
    private final TenantArtifactReader deltas;

    SampleHandler(Pipelines pipelines, ArtifactStore store, EventPublisher publisher, Path workDir) {
        this.pipelines = pipelines;
        this.store = store;
        this.publisher = publisher;
        this.deltas = new TenantArtifactReader(store, workDir);
    }

    void handle(InboundEvent<SampleRequested> inbound) throws IOException {
        SampleRequested request = inbound.value();
        long start = System.currentTimeMillis();
        SampleResult result;
        List<String> prompts;
        try {
            check(request);
            StableDiffusion pipeline = request.getDelta() == null ? pipelines.base()
                    : pipelines.withDelta(request.getDelta().getSha256(), delta(request));
            SampleRequest sample = sampleRequest(request);
            synchronized (pipeline) {
                result = pipeline.generate(sample);
            }
            prompts = new ArrayList<>();
            for (String p : request.getPrompts()) {
                for (int k = 0; k < request.getImagesPerPrompt(); k++) {
                    prompts.add(p);
                }
            }
        } catch (SampleRejected e) {
            LOG.warn("job {}: sampling rejected ({}): {}", request.getJobId(), e.code(), e.getMessage());
            publisher.publish(request.getJobId(), JobFailed.newBuilder()
                    .setEventId(EventPublisher.derivedEventId(request.getEventId(), "JobFailed"))
                    .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                    .setCausationId(request.getEventId()).setStage("sampling").setReason(e.getMessage())
                    .setErrorClass(e.code()).build());
            return;
        }
        List<ArtifactRef> images = new ArrayList<>();
        for (BufferedImage image : result.images()) {
            images.add(store.put(request.getTenantId(), "samples", png(image), "png", "image/png").toRef());
        }
        publisher.publish(request.getJobId(), SamplesGenerated.newBuilder()
                .setEventId(EventPublisher.derivedEventId(request.getEventId(), "SamplesGenerated"))
                .setTenantId(request.getTenantId()).setJobId(request.getJobId()).setOccurredAt(Instant.now())
                .setCausationId(request.getEventId()).setImages(images).setPrompts(prompts)
                .setSeed(request.getSeed()).setDurationMillis(System.currentTimeMillis() - start).build());
        DURATION.record(System.currentTimeMillis() - start, java.util.concurrent.TimeUnit.MILLISECONDS);
        LOG.info("job {}: {} samples in {} ms", request.getJobId(), images.size(), System.currentTimeMillis() - start);
    }

    /** The core's request for an event; the audit's replay builds it the same way. */
    static SampleRequest sampleRequest(SampleRequested request) {
        return new SampleRequest(request.getPrompts()).negativePrompt(request.getNegativePrompt())
                .steps(request.getSteps()).guidance((float) request.getGuidanceScale()).seed(request.getSeed())
                .scheduler(request.getScheduler().toLowerCase(Locale.ROOT))
                .imagesPerPrompt(request.getImagesPerPrompt());
    }

    static void check(SampleRequested r) {
        if (r.getPrompts().isEmpty() || r.getPrompts().stream().anyMatch(p -> p == null || p.isBlank())) {
            throw new SampleRejected("INVALID_REQUEST", "prompts must be one or more non-empty texts");
        }
        if (r.getSteps() < 1 || r.getSteps() > MAX_STEPS) {
            throw new SampleRejected("INVALID_REQUEST", "steps must be 1.." + MAX_STEPS + ", got " + r.getSteps());
        }
        if (r.getImagesPerPrompt() < 1 || (long) r.getImagesPerPrompt() * r.getPrompts().size() > MAX_IMAGES) {
            throw new SampleRejected("INVALID_REQUEST", "imagesPerPrompt must be >= 1 and at most " + MAX_IMAGES
                    + " images in total, got " + r.getImagesPerPrompt() + " x " + r.getPrompts().size() + " prompts");
        }
        if (!SCHEDULERS.contains(r.getScheduler().toLowerCase(Locale.ROOT))) {
            throw new SampleRejected("INVALID_REQUEST", "scheduler '" + r.getScheduler()
                    + "' is not supported; use ddpm, ddim or dpm");
        }
        if (!(r.getGuidanceScale() >= 0) || r.getGuidanceScale() > 50) {
            throw new SampleRejected("INVALID_REQUEST", "guidanceScale must be 0..50, got " + r.getGuidanceScale());
        }
    }

    private Delta delta(SampleRequested request) {
        return delta(deltas, request, pipelines);
    }

    static Delta delta(TenantArtifactReader deltas, SampleRequested request, Pipelines pipelines) {
        try {
            return deltas.readForBaseModel(request.getTenantId(), request.getDelta(), "delta", Delta::read,
                    d -> d.metadata().baseModelDigest(), pipelines.baseModelDigest());
        } catch (ArtifactRefused e) {
            throw new SampleRejected(e.code(), e.getMessage(), e);
        }
    }

    static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
