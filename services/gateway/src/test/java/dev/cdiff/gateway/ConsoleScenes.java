package dev.cdiff.gateway;

import dev.cdiff.diffusion.merge.MergeDiagnostics;
import dev.cdiff.platform.store.StoredArtifact;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSubmitted;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.SamplesGenerated;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingProgress;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Concept jobs at a chosen point of their life, reported to the real orchestrator with the events the ingestion,
 * retrieval, training and sampling services would send, and with real PNG images in S3: what the console shows.
 */
final class ConsoleScenes {
    /**
     * What the merging service stores for a two-concept merge (the core's class writes the JSON): {@code <new1> dog}
     * kept on every layer, {@code <new2> cat} partly lost on one up-block layer, which also drifted most.
     */
    static final MergeDiagnostics MERGE_DIAGNOSTICS = new MergeDiagnostics(MergeDiagnostics.VERSION,
            List.of("<new1> dog", "<new2> cat"), 1344, List.of(
            new MergeDiagnostics.Layer("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", 320, 768,
                    0.8125, 0.0213, 0.00412, List.of(2.1e-7, 3.4e-7)),
            new MergeDiagnostics.Layer("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v.weight", 320, 768,
                    0.9731, 0.0248, 0.00517, List.of(1.9e-7, 4.1e-7)),
            new MergeDiagnostics.Layer("mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight", 1280, 768,
                    1.604, 0.0302, 0.00733, List.of(5.5e-7, 2.2e-6)),
            new MergeDiagnostics.Layer("up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_v.weight", 1280, 768,
                    2.377, 0.0415, 0.0196, List.of(8.0e-7, 0.137))));
    private final GatewayAttackStack s;

    ConsoleScenes(GatewayAttackStack s) {
        this.s = s;
    }

    /** A small but real PNG: a coloured disc on a gradient, different for each {@code seed}. */
    static byte[] png(int seed) {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        for (int y = 0; y < 64; y++) {
            g.setColor(new Color((seed * 53 + y * 2) % 256, (seed * 97 + 120) % 256, (200 - y * 2 + 256) % 256));
            g.drawLine(0, y, 63, y);
        }
        g.setColor(new Color((seed * 71) % 256, 40, (seed * 31 + 90) % 256));
        g.fillOval(12 + seed % 10, 14, 36, 36);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private ArtifactRef storedPng(String tenant, String area, int seed) {
        StoredArtifact a = s.store.put(tenant, area, png(seed), "png", "image/png");
        return a.toRef();
    }

    /** A concept job in TRAINING with {@code reports} progress reports of a falling loss. */
    String training(String tenant, String conceptName, int reports) throws Exception {
        String jobId = "concept-" + UUID.randomUUID();
        submitAndRegularize(tenant, jobId, conceptName);
        for (int i = 1; i <= reports; i++) {
            progress(tenant, jobId, i * 10, 400);
        }
        s.awaitStage(tenant, jobId, "TRAINING", Duration.ofSeconds(60));
        return jobId;
    }

    /** A concept job trained for 400 steps and sampled: DONE, with a loss curve, a delta and sample images. */
    String finished(String tenant, String conceptName) throws Exception {
        String jobId = "concept-" + UUID.randomUUID();
        submitAndRegularize(tenant, jobId, conceptName);
        for (int step = 10; step <= 400; step += 10) {
            progress(tenant, jobId, step, 400);
        }
        StoredArtifact delta = s.store.put(tenant, "deltas", ("delta of " + jobId).getBytes(), "safetensors",
                "application/octet-stream");
        String completed = UUID.randomUUID().toString();
        s.send(jobId, TrainingCompleted.newBuilder().setEventId(completed).setTenantId(tenant).setJobId(jobId)
                .setOccurredAt(Instant.now()).setCausationId(null).setDelta(delta.toRef())
                .setTokens(List.of("<new1>")).setClassWords(List.of("dog")).setSteps(400).setFinalLoss(0.0912)
                .setDurationMillis(412_000L).build());
        s.awaitStage(tenant, jobId, "SAMPLING", Duration.ofSeconds(60));
        List<ArtifactRef> samples = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            samples.add(storedPng(tenant, "samples", 20 + i));
            prompts.add(i % 2 == 0 ? "photo of a <new1> dog" : "a <new1> dog on the beach");
        }
        s.send(jobId, SamplesGenerated.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId(jobId).setOccurredAt(Instant.now()).setCausationId(null).setImages(samples)
                .setPrompts(prompts).setSeed(42L).setDurationMillis(18_000L).build());
        s.awaitStage(tenant, jobId, "DONE", Duration.ofSeconds(60));
        return jobId;
    }

    private void submitAndRegularize(String tenant, String jobId, String conceptName) throws Exception {
        List<ArtifactRef> images = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            images.add(storedPng(tenant, "images", i));
        }
        s.send(jobId, ConceptSubmitted.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId(jobId).setOccurredAt(Instant.now()).setCausationId(null)
                .setConceptId("concept-" + UUID.randomUUID()).setConceptName(conceptName).setClassWord("dog")
                .setInitializerWord("ktn").setImages(images).setCaptions(List.of()).setSource("http")
                .setTraining(null).build());
        s.awaitStage(tenant, jobId, "REGULARIZING", Duration.ofSeconds(60));
        s.send(jobId, RegularizationReady.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId(jobId).setOccurredAt(Instant.now()).setCausationId(null)
                .setConceptId("concept-" + jobId).setClassPrompt("photo of a dog")
                .setImages(List.of(storedPng(tenant, "class-images", 90), storedPng(tenant, "class-images", 91)))
                .setCaptions(List.of("a dog in a park", "a small dog")).setOrigin("RETRIEVED")
                .setClassSetDigest("0".repeat(64)).build());
        s.awaitStage(tenant, jobId, "QUEUED|TRAINING", Duration.ofSeconds(60));
    }

    private void progress(String tenant, String jobId, int step, int total) throws Exception {
        double loss = 0.09 + 0.5 * Math.exp(-step / 80.0) + 0.01 * Math.sin(step);
        s.send(jobId, TrainingProgress.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(tenant)
                .setJobId(jobId).setOccurredAt(Instant.now()).setCausationId(null).setStep(step).setTotalSteps(total).setLoss(loss)
                .setElapsedMillis(step * 1000L).setCheckpoint(null).build());
    }
}
