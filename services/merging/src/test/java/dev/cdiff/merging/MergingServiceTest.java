package dev.cdiff.merging;

import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.embedded.testing.LoopbackStack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaKind;
import dev.cdiff.diffusion.delta.DeltaMetadata;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.diffusion.merge.ClosedFormMerge;
import dev.cdiff.diffusion.merge.MergeDiagnostics;
import dev.cdiff.diffusion.merge.RegularizationCaptions;
import dev.cdiff.diffusion.merge.RegularizationGram;
import dev.cdiff.diffusion.training.TokenInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.platform.corpus.SharedCorpus;
import dev.cdiff.platform.store.Sha256;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import dev.cdiff.platform.Topics;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.JobFailed;
import dev.cdiff.schemas.events.MergeCompleted;
import dev.cdiff.schemas.events.MergeRequested;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merging against a real broker, S3 and registry with the tiny golden model. */
class MergingServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path workspace;
    static LoopbackStack stack;
    static MergingService service;
    static ArtifactStore store;
    static KafkaProducer<String, SpecificRecord> producer;
    static Path model;
    static final int CORPUS_SIZE = 40;
    static final int SAMPLE = 25;
    static String dogClassSet;

    @BeforeAll
    static void start() throws Exception {
        stack = new LoopbackStack(workspace);
        model = GoldenFolder.tinySd();
        Map<String, String> settings = stack.settings("merging");
        settings.put(MergingService.BASE_MODEL_DIR, model.toString());
        settings.put(ServiceConfig.WORK_DIR, workspace.resolve("work").toString());
        ServiceConfig config = ServiceConfig.of(settings);
        service = new MergingService(config).start();
        store = ArtifactStore.fromConfig(config);
        producer = stack.producer();
        // the retrieval corpus as retrieval leaves it in the shared area: caption entries and a class set's manifest
        for (int i = 0; i < CORPUS_SIZE; i++) {
            String caption = "a  photo of item " + i + "\n on a wooden table";
            store.putAt(SharedCorpus.ENTRIES + Sha256.hex(caption.getBytes(StandardCharsets.UTF_8)) + ".json",
                    ("{\"entryId\":\"x\",\"caption\":" + new ObjectMapper().writeValueAsString(caption) + "}")
                            .getBytes(StandardCharsets.UTF_8), "application/json");
        }
        byte[] manifest = ("{\"version\":1,\"origin\":\"RETRIEVED\",\"items\":[{\"caption\":\"a dog on the grass\"},"
                + "{\"caption\":\"two dogs playing in a park\"},{\"caption\":\"a dog on the grass\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        new SharedCorpus(store).indexClassSet(manifest);
        dogClassSet = Sha256.hex(manifest);
    }

    @AfterAll
    static void stop() {
        producer.close();
        service.close();
        stack.close();
    }

    /** A single-concept delta: every cross-attention K/V weight perturbed, one token {@code <new1>}. */
    static ArtifactRef storeDelta(String tenant, String digest, String classWord, long seed) throws Exception {
        Map<String, LayerWeight> layers = new TreeMap<>();
        int hidden;
        Random rnd = new Random(seed);
        try (NDManager m = NDManager.newBaseManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(model.resolve("unet"), m)) {
            for (Map.Entry<String, NDArray> e : unet.crossAttentionKv().entrySet()) {
                long[] shape = e.getValue().getShape().getShape();
                float[] w = e.getValue().toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    w[i] += (float) (rnd.nextGaussian() * 0.1);
                }
                layers.put(e.getKey(), new LayerWeight.Full((int) shape[0], (int) (w.length / shape[0]), w));
            }
            hidden = unet.config().crossAttentionWidth();
        }
        float[] row = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            row[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        Map<String, float[]> tokens = new LinkedHashMap<>();
        tokens.put("<new1>", row);
        Delta delta = new Delta(layers, tokens, DeltaMetadata.of(DeltaKind.FULL, digest,
                List.of(new TokenInfo("<new1>", "concept-" + seed, classWord, "ktn")), null, seed));
        Path file = workspace.resolve("delta-" + UUID.randomUUID() + ".safetensors");
        delta.write(file);
        return store.put(tenant, "deltas", file, "safetensors", "application/vnd.safetensors").toRef();
    }

    static MergeRequested request(List<ArtifactRef> deltas) {
        return MergeRequested.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId("acme")
                .setJobId("job-" + UUID.randomUUID()).setOccurredAt(Instant.now()).setDeltas(deltas)
                .setRegularizationCaptions(SAMPLE).setOutputName("dog-and-cat").build();
    }

    static <T> T answer(MergeRequested request, String topic, Class<T> type) throws Exception {
        try (KafkaConsumer<String, SpecificRecord> consumer = stack.consumer(topic)) {
            producer.send(new ProducerRecord<>(Topics.MERGE_REQUESTED, request.getJobId(), request)).get();
            return LoopbackStack.await(consumer, type, e -> ((org.apache.avro.specific.SpecificRecordBase) e).get("jobId").toString()
                    .equals(request.getJobId()), 1, WAIT).get(0);
        }
    }

    /** The service reads the base K/V weights at start: a base model that lost one stops the start, named. */
    @Test
    void aBaseModelMissingACrossAttentionWeightStopsTheStart() throws Exception {
        Path broken = workspace.resolve("broken-model");
        try (var files = Files.walk(model)) {
            for (Path from : files.toList()) {
                Path to = broken.resolve(model.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
        Path weights = dev.cdiff.diffusion.io.ModelFolder.weightFiles(broken.resolve("unet")).get(0);
        String lost = "mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight";
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> kept = new LinkedHashMap<>(dev.cdiff.diffusion.io.SafeTensors.loadAll(weights, m));
            assertTrue(kept.remove(lost) != null, lost + " in " + kept.keySet());
            Path rewritten = broken.resolve("rewritten.safetensors");
            dev.cdiff.diffusion.io.SafeTensors.write(rewritten, kept, Map.of(), false);
            Files.move(rewritten, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, String> settings = stack.settings("merging");
        settings.put(MergingService.BASE_MODEL_DIR, broken.toString());
        settings.put(ServiceConfig.WORK_DIR, workspace.resolve("broken-work").toString());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new MergingService(ServiceConfig.of(settings)));
        assertTrue(e.getMessage().contains(lost), e.getMessage());
    }

    @Test
    void mergesTwoDeltasOfTheTenant() throws Exception {
        String digest = dev.cdiff.diffusion.delta.BaseModelDigest.of(model);
        ArtifactRef dog = storeDelta("acme", digest, "dog", 1);
        ArtifactRef cat = storeDelta("acme", digest, "cat", 2);
        MergeRequested request = request(List.of(dog, cat));
        String unknownClassSet = "c".repeat(64);
        request.setClassSetDigests(List.of(dogClassSet, unknownClassSet));
        MergeCompleted done = answer(request, Topics.MERGE_COMPLETED, MergeCompleted.class);
        assertEquals(List.of("<new1>", "<new2>"), done.getTokens());
        assertEquals(List.of("dog", "cat"), done.getClassWords());
        assertEquals(List.of(dog.getSha256(), cat.getSha256()), done.getSourceDigests());
        assertTrue(done.getMerged().getKey().startsWith("tenants/acme/deltas/"), done.getMerged().getKey());
        Path file = store.download(done.getMerged().getKey(), workspace.resolve("merged.safetensors"));
        Delta merged = Delta.read(file);
        assertEquals(digest, merged.metadata().baseModelDigest());
        assertEquals(2, merged.tokenEmbeddings().size());
        assertEquals("dog-and-cat", merged.metadata().extra().get("name"));

        // real captions: the class set's (deduplicated) plus a sample of the corpus, sorted, stored and named by digest
        assertEquals("retrieval-corpus", done.getRegularizationCaptionSource());
        ArtifactRef captionRef = done.getRegularizationCaptionSet();
        assertTrue(captionRef.getKey().startsWith("tenants/acme/merge-captions/"), captionRef.getKey());
        byte[] captionBytes = store.getBytes(captionRef.getKey());
        assertEquals(captionRef.getSha256(), Sha256.hex(captionBytes));
        List<String> captions = List.of(new String(captionBytes, StandardCharsets.UTF_8).split("\n"));
        assertEquals(2 + SAMPLE, captions.size(), "two class-set captions and the sample: " + captions);
        assertEquals(captions.size(), done.getRegularizationCaptionCount());
        assertEquals(new java.util.TreeSet<>(captions).stream().toList(), captions, "sorted and distinct");
        assertTrue(captions.contains("a dog on the grass") && captions.contains("two dogs playing in a park"));
        assertEquals(SAMPLE, captions.stream().filter(c -> c.matches("a photo of item \\d+ on a wooden table")).count(),
                "corpus captions arrive normalised to one line");
        assertEquals(captionRef.getSha256(), merged.metadata().extra().get("regularization_caption_set"));

        // the diagnostics artifact is named, parses and covers every merged layer for both concepts
        ArtifactRef diagRef = done.getDiagnostics();
        assertTrue(diagRef.getKey().startsWith("tenants/acme/merge-diagnostics/"), diagRef.getKey());
        MergeDiagnostics diagnostics = MergeDiagnostics.fromJson(store.getBytes(diagRef.getKey()));
        assertEquals(List.of("<new1> dog", "<new2> cat"), diagnostics.concepts());
        assertEquals(merged.layers().keySet(), diagnostics.layers().stream().map(MergeDiagnostics.Layer::layer)
                .collect(java.util.stream.Collectors.toSet()));
        for (int k = 0; k < 2; k++) {
            assertTrue(diagnostics.worstResidual(k).residual() < 1e-3, diagnostics.worstResidual(k).toString());
        }
        assertTrue(diagnostics.layers().stream().allMatch(l -> l.changeNorm() > 0 && l.regularizationDrift() > 0));

        // the Gram matrix is cached under the digest of exactly these captions, and a repeated merge of the same
        // deltas takes it from there and yields the very same merged weights and caption set
        String gramKey = merged.metadata().trainingConfig().path("regularization_gram").asText();
        assertEquals(ClosedFormMerge.gramKey(digest, RegularizationGram.Backend.FLOAT32, captions), gramKey);
        assertTrue(store.exists(StoredGramCache.keyOf(gramKey)), "Gram matrix cached under " + gramKey);
        java.util.Optional<RegularizationGram> cached = new StoredGramCache(store, workspace.resolve("gram-check"))
                .find(gramKey);
        assertTrue(cached.isPresent(), "the cached Gram matrix reads back");
        assertEquals(MergeDiagnostics.fromJson(store.getBytes(diagRef.getKey())).regularizationRows(),
                cached.get().rows());
        MergeRequested repeat = request(List.of(dog, cat));
        repeat.setClassSetDigests(List.of(unknownClassSet, dogClassSet));
        MergeCompleted again = answer(repeat, Topics.MERGE_COMPLETED, MergeCompleted.class);
        assertEquals(captionRef.getSha256(), again.getRegularizationCaptionSet().getSha256(),
                "the same corpus, class sets and seed give the same captions");
        assertEquals(done.getMerged().getSha256(), again.getMerged().getSha256(),
                "a merge from the cached Gram matrix is bit-identical to the cold one");

        // one byte of the entry's values damaged in the store: refused by its checksum, so the next merge computes
        // the matrix again (the same weights as the cold merge) and stores a sound entry over the damaged one
        String entry = StoredGramCache.keyOf(gramKey);
        byte[] bytes = store.getBytes(entry);
        bytes[bytes.length - 4097] ^= 0x10;
        store.putAt(entry, bytes, MergeHandler.DELTA_MEDIA_TYPE);
        StoredGramCache reader = new StoredGramCache(store, workspace.resolve("gram-check-2"));
        assertTrue(reader.find(gramKey).isEmpty(), "a damaged entry is not served");
        MergeRequested third = request(List.of(dog, cat));
        third.setClassSetDigests(List.of(unknownClassSet, dogClassSet));
        MergeCompleted repaired = answer(third, Topics.MERGE_COMPLETED, MergeCompleted.class);
        assertEquals(done.getMerged().getSha256(), repaired.getMerged().getSha256(),
                "the damaged entry was not used: the merge equals the cold one");
        assertTrue(reader.find(gramKey).isPresent(), "the entry was stored again, sound");
    }

    @Test
    void refusesAnotherTenantsDeltaOrAnotherBaseModel() throws Exception {
        String digest = dev.cdiff.diffusion.delta.BaseModelDigest.of(model);
        ArtifactRef mine = storeDelta("acme", digest, "dog", 3);
        ArtifactRef theirs = storeDelta("other", digest, "cat", 4);
        JobFailed foreign = answer(request(List.of(mine, theirs)), Topics.JOB_FAILED, JobFailed.class);
        assertEquals("FOREIGN_ARTIFACT", foreign.getErrorClass());
        assertEquals("merging", foreign.getStage());
        assertTrue(foreign.getReason().contains("delta 2") && foreign.getReason().contains("tenant acme"),
                foreign.getReason());

        ArtifactRef elsewhere = storeDelta("acme", "e".repeat(64), "cat", 5);
        JobFailed mismatch = answer(request(List.of(mine, elsewhere)), Topics.JOB_FAILED, JobFailed.class);
        assertEquals("BASE_MODEL_MISMATCH", mismatch.getErrorClass());
        assertTrue(mismatch.getReason().contains("e".repeat(64)), mismatch.getReason());

        ArtifactRef unrecorded = storeDelta("acme", "", "cat", 6);
        JobFailed unknown = answer(request(List.of(mine, unrecorded)), Topics.JOB_FAILED, JobFailed.class);
        assertEquals("BASE_MODEL_UNRECORDED", unknown.getErrorClass());
        assertTrue(unknown.getReason().contains("delta 2") && unknown.getReason().contains("does not record"),
                unknown.getReason());
    }

    @Test
    void fallsBackToLabelledTemplateCaptionsWhenTheCorpusIsEmpty() {
        Map<String, String> settings = stack.settings("merging");
        settings.put(ServiceConfig.S3_BUCKET, "empty-corpus");
        ArtifactStore empty = ArtifactStore.fromConfig(ServiceConfig.of(settings)).ensureBucket();
        MergeCaptionSet set = new CorpusCaptionPicker(new SharedCorpus(empty), 0).pick(List.of(dogClassSet), 30);
        assertEquals("template-fallback", set.source());
        assertEquals(RegularizationCaptions.generated(30, 0), set.captions());
        assertEquals(List.of(dogClassSet), set.missingClassSets());
        assertTrue(set.why().contains("empty"), set.why());

        // a class set without a corpus: the templates, then the class set's own captions
        new SharedCorpus(empty).indexClassSet(store.getBytes(SharedCorpus.classSetKeyByDigest(dogClassSet)));
        set = new CorpusCaptionPicker(new SharedCorpus(empty), 0).pick(List.of(dogClassSet), 30);
        assertEquals("template-fallback", set.source());
        assertEquals(RegularizationCaptions.generated(30, 0), set.captions().subList(0, 30));
        assertEquals(List.of("a dog on the grass", "two dogs playing in a park"), set.captions().subList(30, 32));
        assertEquals(List.of(), set.missingClassSets());
        assertTrue(set.why().contains("empty"), set.why());

        // with the corpus present, the same call samples it
        MergeCaptionSet real = new CorpusCaptionPicker(new SharedCorpus(store), 0).pick(List.of(dogClassSet), 30);
        assertEquals("retrieval-corpus", real.source());
        assertEquals(2 + 30, real.captions().size());
    }

    @Test
    void theCorpusSampleIsSeededAndDependsOnTheSeed() {
        List<String> ids = java.util.stream.IntStream.range(0, 100).mapToObj(i -> String.format("%03d", i)).toList();
        assertEquals(CorpusCaptionPicker.sample(ids, 10, 0), CorpusCaptionPicker.sample(ids, 10, 0));
        assertEquals(10, new java.util.HashSet<>(CorpusCaptionPicker.sample(ids, 10, 0)).size());
        assertTrue(!CorpusCaptionPicker.sample(ids, 10, 0).equals(CorpusCaptionPicker.sample(ids, 10, 1)));
        assertEquals(ids.subList(0, 5), CorpusCaptionPicker.sample(ids.subList(0, 5), 10, 0), "small corpus: all");
    }
}
