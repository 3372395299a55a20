package dev.cdiff.sampling;

import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.embedded.testing.LoopbackStack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.delta.BaseModelDigest;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaKind;
import dev.cdiff.diffusion.delta.DeltaMetadata;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.diffusion.training.TokenInfo;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.SamplesGenerated;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sampling against a real broker, S3 and registry with the tiny golden model. */
class SamplingServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PROMPT = "photo of a <new1> dog";

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static SamplingService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;
    static Path model;

    @BeforeAll
    static void start() {
        stack = new LoopbackStack(workspace);
        model = GoldenFolder.tinySd();
        Map<String, String> settings = stack.settings("sampling");
        settings.put(SamplingService.BASE_MODEL_DIR, model.toString());
        settings.put(ServiceConfig.WORK_DIR, workspace.resolve("work").toString());
        ServiceConfig config = ServiceConfig.of(settings);
        service = new SamplingService(config).start();
        store = ArtifactStore.fromConfig(config);
        producer = stack.producer();
    }

    @AfterAll
    static void stop() {
        producer.close();
        service.close();
        stack.close();
    }

    /** A delta that perturbs every cross-attention K/V weight of the tiny model and defines {@code <new1>}. */
    static ArtifactRef storeDelta(String tenant, String digest) throws Exception {
        Map<String, LayerWeight> layers = new TreeMap<>();
        int hidden;
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(model.resolve("unet"), m)) {
            Random rnd = new Random(3);
            for (Map.Entry<String, NDArray> e : unet.crossAttentionKv().entrySet()) {
                long[] shape = e.getValue().getShape().getShape();
                float[] w = e.getValue().toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    w[i] += (float) (rnd.nextGaussian() * 0.5);
                }
                layers.put(e.getKey(), new LayerWeight.Full((int) shape[0], (int) (w.length / shape[0]), w));
            }
            hidden = unet.config().crossAttentionWidth();
        }
        float[] row = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            row[i] = (float) Math.sin(i);
        }
        Map<String, float[]> tokens = new LinkedHashMap<>();
        tokens.put("<new1>", row);
        Delta delta = new Delta(layers, tokens, DeltaMetadata.of(DeltaKind.FULL, digest,
                List.of(new TokenInfo("<new1>", "rex", "dog", "ktn")), null, 0));
        Path file = workspace.resolve("delta-" + UUID.randomUUID() + ".safetensors");
        delta.write(file);
        return store.put(tenant, "deltas", file, "safetensors", "application/vnd.safetensors").toRef();
    }

    static SampleRequested request(ArtifactRef delta, String scheduler) {
        return SampleRequested.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId("acme")
                .setJobId("job-" + UUID.randomUUID()).setOccurredAt(Instant.now()).setDelta(delta)
                .setPrompts(List.of(PROMPT, "a dog")).setNegativePrompt("").setSteps(3).setGuidanceScale(3.0)
                .setScheduler(scheduler).setSeed(11).setImagesPerPrompt(2).build();
    }

    static SamplesGenerated sample(SampleRequested request) throws Exception {
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.SAMPLES_GENERATED)) {
            producer.send(new ProducerRecord<>(Topics.SAMPLE_REQUESTED, request.getJobId(), request)).get();
            return LoopbackStack.await(consumer, SamplesGenerated.class, e -> e.getJobId().equals(request.getJobId()), 1,
                    WAIT).get(0);
        }
    }

    static JobFailed failure(SampleRequested request) throws Exception {
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.JOB_FAILED)) {
            producer.send(new ProducerRecord<>(Topics.SAMPLE_REQUESTED, request.getJobId(), request)).get();
            return LoopbackStack.await(consumer, JobFailed.class, e -> e.getJobId().equals(request.getJobId()), 1, WAIT)
                    .get(0);
        }
    }

    @Test
    void samplesTheBaseModelReproduciblyAndADeltaDifferently() throws Exception {
        SamplesGenerated base = sample(request(null, "ddim"));
        assertEquals(4, base.getImages().size());
        assertEquals(List.of(PROMPT, PROMPT, "a dog", "a dog"), base.getPrompts());
        for (ArtifactRef ref : base.getImages()) {
            assertTrue(ref.getKey().startsWith("tenants/acme/samples/"), ref.getKey());
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(store.getBytes(ref.getKey())));
            assertEquals(32, img.getWidth());
        }
        assertNotEquals(base.getImages().get(0).getSha256(), base.getImages().get(1).getSha256(),
                "two images of one prompt come from different noise");

        SamplesGenerated again = sample(request(null, "ddim"));
        assertEquals(base.getImages().stream().map(ArtifactRef::getSha256).toList(),
                again.getImages().stream().map(ArtifactRef::getSha256).toList(), "same seed, same images");

        ArtifactRef delta = storeDelta("acme", service.baseModelDigest());
        SamplesGenerated personalised = sample(request(delta, "ddim"));
        assertEquals(4, personalised.getImages().size());
        assertNotEquals(base.getImages().get(0).getSha256(), personalised.getImages().get(0).getSha256(),
                "the delta must change what is generated");
    }

    @Test
    void refusesForeignOrMismatchedDeltasAndBadOptions() throws Exception {
        JobFailed foreign = failure(request(storeDelta("other", service.baseModelDigest()), "ddim"));
        assertEquals("FOREIGN_ARTIFACT", foreign.getErrorClass());
        assertEquals("sampling", foreign.getStage());

        JobFailed mismatch = failure(request(storeDelta("acme", "f".repeat(64)), "ddim"));
        assertEquals("BASE_MODEL_MISMATCH", mismatch.getErrorClass());
        assertTrue(mismatch.getReason().contains("f".repeat(64)), mismatch.getReason());

        // the same rule as merging: a delta that does not say which base model it was trained on is not guessed to fit
        JobFailed unrecorded = failure(request(storeDelta("acme", ""), "ddim"));
        assertEquals("BASE_MODEL_UNRECORDED", unrecorded.getErrorClass());
        assertTrue(unrecorded.getReason().contains("does not record"), unrecorded.getReason());

        JobFailed scheduler = failure(request(null, "euler"));
        assertEquals("INVALID_REQUEST", scheduler.getErrorClass());
        assertTrue(scheduler.getReason().contains("euler"), scheduler.getReason());
    }
}
