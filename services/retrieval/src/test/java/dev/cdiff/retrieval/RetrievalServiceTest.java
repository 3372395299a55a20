package dev.cdiff.retrieval;

import dev.cdiff.diffusion.golden.GoldenFolder;

import dev.cdiff.embedded.testing.LoopbackStack;

import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.retrieval.classset.ClassSetBuilder;
import dev.cdiff.retrieval.features.CaptionEmbedder;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.RegularizationRequested;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retrieval against a real broker, S3 and registry, with the tiny base model's text encoder and pipeline. */
class RetrievalServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<String> CAPTIONS = List.of("a photo of a dog", "a dog running on the grass",
            "a small brown dog sleeping", "two dogs playing in the park", "a red sports car on a road",
            "a cup of coffee on a wooden table", "a teapot with flowers", "a cat sitting on a sofa",
            "mountains at sunset", "a bowl of fruit", "a dog with a ball", "a city street at night");

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static RetrievalService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;
    static CaptionEmbedder embedder;
    static ServiceConfig config;

    @BeforeAll
    static void start() throws Exception {
        stack = new LoopbackStack(workspace);
        Map<String, String> settings = stack.settings("retrieval");
        settings.put(RetrievalSettings.BASE_MODEL_DIR, GoldenFolder.tinySd().toString());
        settings.put(ServiceConfig.WORK_DIR, workspace.resolve("work").toString());
        settings.put(RetrievalSettings.MIN_IMAGES, "3");
        settings.put(RetrievalSettings.GENERATION_STEPS, "2");
        settings.put(RetrievalSettings.SYNC_SECONDS, "0");
        config = ServiceConfig.of(settings);
        service = new RetrievalService(config);
        store = ArtifactStore.fromConfig(config);
        Path corpus = Files.createDirectories(workspace.resolve("corpus"));
        for (int i = 0; i < CAPTIONS.size(); i++) {
            BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
            img.setRGB(0, 0, 0x010203 * (i + 1));
            ImageIO.write(img, "png", corpus.resolve(String.format("%03d.png", i)).toFile());
            Files.writeString(corpus.resolve(String.format("%03d.txt", i)), CAPTIONS.get(i));
        }
        Files.writeString(corpus.resolve("orphan.png"), "no caption file: skipped");
        assertEquals(CAPTIONS.size(), service.ingestCorpus(corpus));
        service.start();
        producer = stack.producer();
        embedder = CaptionEmbedder.load(GoldenFolder.tinySd());
    }

    @AfterAll
    static void stop() {
        producer.close();
        service.close();
        embedder.close();
        stack.close();
    }

    /** Cosine of every corpus caption to the prompt, highest first, computed without the index. */
    private static List<Map.Entry<String, Double>> bruteForce(String prompt) {
        float[] q = embedder.embed(prompt);
        List<Map.Entry<String, Double>> out = new ArrayList<>();
        for (String c : CAPTIONS) {
            out.add(Map.entry(c, CaptionEmbedder.cosine(q, embedder.embed(c))));
        }
        out.sort(Comparator.comparing(Map.Entry<String, Double>::getValue).reversed());
        return out;
    }

    private static RegularizationReady request(String prompt, int max, double minSimilarity) throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        RegularizationRequested request = RegularizationRequested.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setTenantId("acme").setJobId(jobId)
                .setOccurredAt(Instant.now()).setConceptId("c-" + jobId).setClassWord("dog")
                .setClassPrompt(prompt).setMaxImages(max).setMinSimilarity(minSimilarity).build();
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(Topics.REGULARIZATION_READY)) {
            producer.send(new ProducerRecord<>(Topics.REGULARIZATION_REQUESTED, jobId, request)).get();
            RegularizationReady ready = LoopbackStack.await(consumer, RegularizationReady.class,
                    e -> e.getJobId().equals(jobId), 1, WAIT).get(0);
            assertEquals(request.getEventId(), ready.getCausationId());
            assertEquals(ready.getImages().size(), ready.getCaptions().size());
            for (ArtifactRef ref : ready.getImages()) {
                assertEquals(ref.getSha256(), Digests.sha256Hex(store.getBytes(ref.getKey())));
            }
            return ready;
        }
    }

    @Test
    void retrievesExactlyTheCaptionsAboveTheThresholdAndCachesTheSet() throws Exception {
        String prompt = "photo of a dog";
        List<Map.Entry<String, Double>> ranked = bruteForce(prompt);
        // a threshold between the 5th and 6th best caption: five must come back, in similarity order
        double threshold = (ranked.get(4).getValue() + ranked.get(5).getValue()) / 2;
        RegularizationReady first = request(prompt, 200, threshold);
        assertEquals("RETRIEVED", first.getOrigin());
        assertEquals(ranked.subList(0, 5).stream().map(Map.Entry::getKey).toList(), first.getCaptions());
        // others find the set by the digest the event names, through the shared layout platform describes
        assertEquals(java.util.Optional.of(first.getCaptions()),
                new dev.cdiff.platform.corpus.SharedCorpus(store).classSetCaptions(first.getClassSetDigest()));

        int setsBefore = store.list(ClassSetBuilder.CLASS_SETS).size();
        RegularizationReady second = request(prompt, 200, threshold);
        assertEquals(first.getClassSetDigest(), second.getClassSetDigest());
        assertEquals(first.getImages(), second.getImages());
        assertEquals(setsBefore, store.list(ClassSetBuilder.CLASS_SETS).size(), "the cached set must be reused");

        RegularizationReady capped = request(prompt, 2, threshold);
        assertEquals(ranked.subList(0, 2).stream().map(Map.Entry::getKey).toList(), capped.getCaptions());
        assertTrue(!capped.getClassSetDigest().equals(first.getClassSetDigest()), "other params, other set");
    }

    @Test
    void topsUpWithGeneratedImagesWhenTheCorpusIsShort() throws Exception {
        String prompt = "photo of a teapot";
        List<Map.Entry<String, Double>> ranked = bruteForce(prompt);
        double justBelowBest = (ranked.get(0).getValue() + ranked.get(1).getValue()) / 2;
        RegularizationReady mixed = request(prompt, 200, justBelowBest);
        assertEquals("MIXED", mixed.getOrigin());
        assertEquals(3, mixed.getImages().size(), "one retrieved + two generated to reach RETRIEVAL_MIN_IMAGES=3");
        assertEquals(ranked.get(0).getKey(), mixed.getCaptions().get(0));
        assertEquals(List.of(prompt, prompt), mixed.getCaptions().subList(1, 3));
        Set<String> generatedKeys = new HashSet<>();
        for (ArtifactRef ref : mixed.getImages().subList(1, 3)) {
            assertTrue(ref.getKey().startsWith(ClassSetBuilder.GENERATED_IMAGES), ref.getKey());
            BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(store.getBytes(ref.getKey())));
            assertTrue(img.getWidth() > 0);
            generatedKeys.add(ref.getKey());
        }
        assertEquals(2, generatedKeys.size(), "different seeds give different images");

        RegularizationReady generated = request("photo of a lighthouse", 200, 0.999999);
        assertEquals("GENERATED", generated.getOrigin());
        assertEquals(3, generated.getImages().size());
    }

    @Test
    void corpusIngestInAnotherProcessIsPickedUpByTheRunningService() throws Exception {
        Path extra = Files.createDirectories(workspace.resolve("extra-corpus"));
        String caption = "a green lighthouse on a rocky island";
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 3, 0x00FF00);
        ImageIO.write(img, "png", extra.resolve("001.png").toFile());
        Files.writeString(extra.resolve("001.txt"), caption);
        // a separate index folder, as a second process would use while the service holds its own
        ServiceConfig other = config.with(RetrievalSettings.INDEX_DIR, workspace.resolve("other-index").toString());
        assertEquals(1, CorpusIngest.run(other, extra));

        RegularizationReady ready = request(caption, 200, 0.9999);
        assertEquals("MIXED", ready.getOrigin(), "one close caption, topped up to RETRIEVAL_MIN_IMAGES=3");
        assertEquals(caption, ready.getCaptions().get(0), "the new corpus entry is found by its own caption");
        assertTrue(ready.getImages().get(0).getKey().startsWith("shared/corpus/images/"));
    }
}
