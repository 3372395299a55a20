package dev.cdiff.cli.audit;

import dev.cdiff.diffusion.backend.BackendFingerprint;
import dev.cdiff.diffusion.delta.BaseModelDigest;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.platform.audit.ArchivedEvent;
import dev.cdiff.platform.audit.EventLog;
import dev.cdiff.platform.config.ServiceConfig;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.Sha256;
import dev.cdiff.retrieval.RetrievalEngine;
import dev.cdiff.retrieval.RetrievalSettings;
import dev.cdiff.retrieval.classset.ClassSet;
import dev.cdiff.retrieval.classset.ClassSetItem;
import dev.cdiff.sampling.SampleReplay;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.RegularizationReady;
import dev.cdiff.schemas.events.RegularizationRequested;
import dev.cdiff.schemas.events.SampleRequested;
import dev.cdiff.schemas.events.SamplesGenerated;
import dev.cdiff.schemas.events.TrainingCompleted;
import dev.cdiff.schemas.events.TrainingRequested;
import dev.cdiff.training.TrainingReplay;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Re-derives a finished job's artifacts from its archived events and the stored inputs they name, calling the
 * services' own pure logic (retrieval's class-set selection, the training replay, the sampling replay) directly:
 * no Kafka, no service running. Each re-derived artifact is compared with the digest its event recorded.
 */
public final class JobAuditor {
    private final ArtifactStore store;
    private final Path baseModelDir;
    private final ServiceConfig retrievalConfig;
    private final Path workDir;

    /**
     * @param retrievalConfig the retrieval service's settings as the job ran with them (class-set sizes,
     *                        generation); its index is rebuilt from the corpus in S3 under {@code workDir}
     */
    public JobAuditor(ArtifactStore store, Path baseModelDir, ServiceConfig retrievalConfig, Path workDir) {
        this.store = store;
        this.baseModelDir = baseModelDir;
        this.retrievalConfig = retrievalConfig.with(RetrievalSettings.INDEX_DIR, workDir.resolve("caption-index")
                .toString()).with(ServiceConfig.WORK_DIR, workDir.resolve("retrieval").toString());
        this.workDir = workDir;
    }

    public AuditReport audit(String jobId) {
        long start = System.nanoTime();
        EventLog log = new EventLog(store);
        String tenant = log.tenantOf(jobId).orElseThrow(() -> new IllegalArgumentException(
                "no archived events of job " + jobId + " (is the archiver running? events are archived under "
                        + EventLog.ROOT + ")"));
        EventLog.Verified chain = log.read(tenant, jobId);
        Map<String, String> inputs = new LinkedHashMap<>();
        Map<String, String> settings = new LinkedHashMap<>();
        List<AuditReport.ArtifactCheck> checks = new ArrayList<>();
        inputs.put("base model (re-derived on)", BaseModelDigest.of(baseModelDir));
        String recordedBackend = null;

        // one class set per concept (a joint job has several): each ready set is paired with the request it answers
        List<RegularizationReady> readies = all(chain, RegularizationReady.class);
        for (RegularizationRequested requested : all(chain, RegularizationRequested.class)) {
            readies.stream().filter(r -> requested.getEventId().equals(r.getCausationId())).findFirst()
                    .ifPresent(ready -> checks.addAll(classSet(requested, ready, settings)));
        }
        Optional<TrainingRequested> trainRequested = first(chain, TrainingRequested.class);
        Optional<TrainingCompleted> trained = first(chain, TrainingCompleted.class);
        if (trainRequested.isPresent()) {
            TrainingRequested r = trainRequested.get();
            inputs.put("base model (recorded)", r.getBaseModelDigest());
            for (ConceptSpec c : r.getConcepts()) {
                for (ArtifactRef ref : c.getImages()) {
                    inputs.put("concept " + c.getConceptName() + " image " + ref.getKey(), ref.getSha256());
                }
                for (ArtifactRef ref : c.getRegularizationImages()) {
                    inputs.put("concept " + c.getConceptName() + " class image " + ref.getKey(), ref.getSha256());
                }
            }
            settings.put("training options", r.getOptions().toString());
            if (trained.isPresent()) {
                recordedBackend = trained.get().getBackend();
                checks.add(delta(r, trained.get()));
            }
        }
        List<SampleRequested> sampleRequests = all(chain, SampleRequested.class);
        List<SamplesGenerated> samples = all(chain, SamplesGenerated.class);
        for (int i = 0; i < Math.min(sampleRequests.size(), samples.size()); i++) {
            SampleRequested r = sampleRequests.get(i);
            if (r.getDelta() != null) {
                inputs.put("sampling delta " + r.getDelta().getKey(), r.getDelta().getSha256());
            }
            settings.put("sampling " + (i + 1), "prompts=" + r.getPrompts() + " negative=" + r.getNegativePrompt()
                    + " steps=" + r.getSteps() + " guidance=" + r.getGuidanceScale() + " scheduler="
                    + r.getScheduler() + " seed=" + r.getSeed() + " imagesPerPrompt=" + r.getImagesPerPrompt());
            checks.addAll(samples(r, samples.get(i)));
        }
        return new AuditReport(jobId, tenant, chain.events().size(), chain.headSha256(), chain.problems(), inputs,
                settings, recordedBackend, BackendFingerprint.current().encode(), checks,
                Duration.ofNanos(System.nanoTime() - start));
    }

    private List<AuditReport.ArtifactCheck> classSet(RegularizationRequested requested, RegularizationReady ready,
                                                    Map<String, String> settings) {
        try (RetrievalEngine engine = new RetrievalEngine(RetrievalSettings.from(retrievalConfig), store)) {
            var params = engine.params(requested.getClassPrompt(), requested.getMaxImages(),
                    requested.getMinSimilarity());
            settings.put("regularization set" + (settings.containsKey("regularization set") ? " of "
                    + requested.getClassWord() + " (" + requested.getConceptId() + ")" : ""), params.toString());
            ClassSet set = engine.rederiveClassSet(params);
            List<AuditReport.ArtifactCheck> out = new ArrayList<>();
            out.add(new AuditReport.ArtifactCheck("retrieval", "class-set manifest of '" + requested.getClassWord()
                    + "' (" + ready.getImages().size()
                    + " images, " + ready.getOrigin() + ")", ready.getClassSetDigest(), set.digest(), null,
                    null));
            List<String> recorded = ready.getImages().stream().map(ArtifactRef::getSha256).toList();
            List<String> rederived = set.manifest().items().stream().map(ClassSetItem::sha256).toList();
            out.add(new AuditReport.ArtifactCheck("retrieval", "selected images of '" + requested.getClassWord()
                    + "' (in order)",
                    Sha256.hex(String.join(",", recorded).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    Sha256.hex(String.join(",", rederived).getBytes(java.nio.charset.StandardCharsets.UTF_8)), null,
                    recorded.equals(rederived) ? null : "recorded " + recorded.size() + ", re-derived "
                            + rederived.size()));
            return out;
        } catch (RuntimeException e) {
            return List.of(new AuditReport.ArtifactCheck("retrieval", "class-set manifest", ready.getClassSetDigest(),
                    null, null, e.toString()));
        }
    }

    private AuditReport.ArtifactCheck delta(TrainingRequested request, TrainingCompleted completed) {
        ArtifactRef recorded = completed.getDelta();
        try {
            Path file = TrainingReplay.deltaFile(request, store, baseModelDir, scratch("delta.safetensors"));
            String digest = Sha256.hex(file);
            Double diff = null;
            if (!digest.equals(recorded.getSha256())) {
                diff = maxAbsDiff(Delta.read(store.download(recorded.getKey(), scratch("recorded.safetensors"))),
                        Delta.read(file));
            }
            return new AuditReport.ArtifactCheck("training", "delta " + recorded.getKey(), recorded.getSha256(),
                    digest, diff, null);
        } catch (IOException | RuntimeException e) {
            return new AuditReport.ArtifactCheck("training", "delta " + recorded.getKey(), recorded.getSha256(),
                    null, null, e.toString());
        }
    }

    private List<AuditReport.ArtifactCheck> samples(SampleRequested request, SamplesGenerated generated) {
        List<AuditReport.ArtifactCheck> out = new ArrayList<>();
        List<byte[]> pngs;
        try {
            pngs = SampleReplay.pngs(request, store, baseModelDir, workDir.resolve("sampling"));
        } catch (RuntimeException e) {
            for (ArtifactRef ref : generated.getImages()) {
                out.add(new AuditReport.ArtifactCheck("sampling", "image " + ref.getKey(), ref.getSha256(), null,
                        null, e.toString()));
            }
            return out;
        }
        for (int i = 0; i < generated.getImages().size(); i++) {
            ArtifactRef ref = generated.getImages().get(i);
            if (i >= pngs.size()) {
                out.add(new AuditReport.ArtifactCheck("sampling", "image " + ref.getKey(), ref.getSha256(), null,
                        null, "the replay made only " + pngs.size() + " images"));
                continue;
            }
            String digest = Sha256.hex(pngs.get(i));
            Double diff = digest.equals(ref.getSha256()) ? null
                    : maxPixelDiff(store.getBytes(ref.getKey()), pngs.get(i));
            out.add(new AuditReport.ArtifactCheck("sampling", "image " + ref.getKey(), ref.getSha256(), digest,
                    diff, diff == null ? null : "8-bit channel values"));
        }
        return out;
    }

    private Path scratch(String name) throws IOException {
        Files.createDirectories(workDir);
        return workDir.resolve(name);
    }

    static double maxAbsDiff(Delta a, Delta b) {
        double max = 0;
        for (var e : a.layers().entrySet()) {
            LayerWeight other = b.layers().get(e.getKey());
            if (!(e.getValue() instanceof LayerWeight.Full x) || !(other instanceof LayerWeight.Full y)
                    || x.weight().length != y.weight().length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int i = 0; i < x.weight().length; i++) {
                max = Math.max(max, Math.abs((double) x.weight()[i] - y.weight()[i]));
            }
        }
        for (var e : a.tokenEmbeddings().entrySet()) {
            float[] y = b.tokenEmbeddings().get(e.getKey());
            if (y == null || y.length != e.getValue().length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int i = 0; i < y.length; i++) {
                max = Math.max(max, Math.abs((double) e.getValue()[i] - y[i]));
            }
        }
        return max;
    }

    static double maxPixelDiff(byte[] pngA, byte[] pngB) {
        try {
            BufferedImage a = ImageIO.read(new ByteArrayInputStream(pngA));
            BufferedImage b = ImageIO.read(new ByteArrayInputStream(pngB));
            if (a == null || b == null || a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
                return Double.POSITIVE_INFINITY;
            }
            int max = 0;
            for (int y = 0; y < a.getHeight(); y++) {
                for (int x = 0; x < a.getWidth(); x++) {
                    int p = a.getRGB(x, y);
                    int q = b.getRGB(x, y);
                    for (int shift = 0; shift <= 16; shift += 8) {
                        max = Math.max(max, Math.abs(((p >> shift) & 0xFF) - ((q >> shift) & 0xFF)));
                    }
                }
            }
            return max;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> Optional<T> first(EventLog.Verified chain,
                                                                                       Class<T> type) {
        return all(chain, type).stream().findFirst();
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> List<T> all(EventLog.Verified chain,
                                                                                 Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ArchivedEvent e : chain.events()) {
            if (e.type().equals(type.getSimpleName())) {
                out.add(e.as(type));
            }
        }
        return out;
    }
}
