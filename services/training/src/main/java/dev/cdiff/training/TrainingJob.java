package dev.cdiff.training;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.delta.BaseModelDigest;
import dev.cdiff.diffusion.training.Concept;
import dev.cdiff.diffusion.training.CustomDiffusionTrainer;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.images.RgbImage;
import dev.cdiff.diffusion.training.TrainingConfig;
import dev.cdiff.diffusion.training.TrainingModels;
import dev.cdiff.platform.quota.Quotas;
import dev.cdiff.platform.scratch.ScratchFolders;
import dev.cdiff.platform.store.ArtifactNotFoundException;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.platform.store.StoredArtifact;
import dev.cdiff.schemas.events.ArtifactRef;
import dev.cdiff.schemas.events.ConceptSpec;
import dev.cdiff.schemas.events.TrainingOptions;
import dev.cdiff.schemas.events.TrainingRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * One training run: fetch the images, load a fresh copy of the base model, resume from the job's last checkpoint
 * when there is one, train with the core's Custom Diffusion trainer (progress every N steps, checkpoint every M),
 * store the delta content-addressed.
 */
final class TrainingJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
    static final String DELTA_MEDIA_TYPE = "application/vnd.safetensors";
    /** TrainingCompleted.finalLoss is the mean loss of the last this-many steps. */
    static final int FINAL_LOSS_WINDOW = 10;

    private final Path baseModelDir;
    private final String baseModelDigest;
    private final ArtifactStore store;
    private final CheckpointStore checkpoints;
    private final Path workDir;
    private final Quotas quotas;
    private final JobLease lease;
    private final Duration leaseRetry;

    TrainingJob(Path baseModelDir, ArtifactStore store, Path workDir, Quotas quotas, JobLease lease,
                Duration leaseRetry) {
        this.quotas = quotas;
        this.baseModelDir = baseModelDir;
        this.baseModelDigest = BaseModelDigest.of(baseModelDir);
        this.store = store;
        this.checkpoints = new CheckpointStore(store);
        this.workDir = workDir;
        this.lease = lease;
        this.leaseRetry = leaseRetry;
    }

    String baseModelDigest() {
        return baseModelDigest;
    }

    /**
     * Trains the request under the job's lease: waits while another worker holds it, renews it while training, and
     * releases it at the end. Stops early when {@code control} asks: at a checkpoint, saved at the current step, or
     * at once (lease lost) without writing anything more. A stopped run throws {@link TrainingAborted}.
     */
    TrainingResult run(TrainingRequested request, ProgressSink sink, RunControl control) throws IOException {
        TrainingPlan.check(request, store.ownership(), quotas);
        JobLease.Held held = acquireLease(request, control);
        try (LeaseRenewal renewal = new LeaseRenewal(held, lease.ttl(), control, request.getJobId())) {
            return runHolding(request, sink, control, renewal);
        } finally {
            if (control.requested() != RunControl.Stop.AT_ONCE) {
                try {
                    held.release();
                } catch (RuntimeException e) {
                    LOG.warn("job {}: releasing the lease failed ({}); it expires by itself", request.getJobId(),
                            e.toString());
                }
            }
        }
    }

    private JobLease.Held acquireLease(TrainingRequested request, RunControl control) {
        boolean logged = false;
        while (true) {
            Optional<JobLease.Held> held = lease.tryAcquire(request.getTenantId(), request.getJobId());
            if (held.isPresent()) {
                return held.get();
            }
            if (!logged) {
                LOG.info("job {}: another worker holds its lease ({}); waiting", request.getJobId(),
                        lease.current(request.getTenantId(), request.getJobId()).orElse(null));
                logged = true;
            }
            if (control.requested() != RunControl.Stop.NONE) {
                throw new TrainingAborted("job " + request.getJobId() + " stopped while waiting for its lease: "
                        + control.reason());
            }
            try {
                Thread.sleep(leaseRetry.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrainingAborted("interrupted while waiting for the lease of job " + request.getJobId());
            }
        }
    }

    private TrainingResult runHolding(TrainingRequested request, ProgressSink sink, RunControl control,
                                      LeaseRenewal renewal) throws IOException {
        long start = System.currentTimeMillis();
        String wanted = request.getBaseModelDigest();
        if (wanted != null && !wanted.isBlank() && !wanted.equals(baseModelDigest)) {
            throw new JobRejected("BASE_MODEL_MISMATCH", "the request is for base model " + wanted
                    + " but this worker has " + baseModelDigest + " (" + baseModelDir + ")");
        }
        String tenant = request.getTenantId();
        String jobId = request.getJobId();
        TrainingOptions o = request.getOptions();
        TrainingConfig config = config(request);
        List<Concept> concepts = config.concepts();
        String runKey = TrainingPlan.runKey(request);
        Optional<TrainingResult> done = checkpoints.completed(tenant, jobId, runKey);
        if (done.isPresent()) {
            LOG.info("job {}: already trained by an earlier delivery; reporting its delta {}", jobId,
                    done.get().delta().key());
            return done.get();
        }
        // a random name under the work dir: nothing from the request becomes part of a path
        Path dir = ScratchFolders.create(workDir.resolve("jobs"), "run-");
        int total = config.effectiveSteps();
        try (NDManager manager = ComputeDevice.newManager();
             TrainingModels models = TrainingModels.load(baseModelDir, manager)) {
            Optional<CheckpointStore.Pointer> latest = checkpoints.latest(tenant, jobId, runKey);
            CustomDiffusionTrainer trainer;
            try {
                if (latest.isPresent()) {
                    Path file = checkpoints.download(latest.get(), dir.resolve("resume.safetensors"));
                    trainer = CustomDiffusionTrainer.resume(models, config, manager, file);
                    LOG.info("job {}: resuming at step {} of {} from {}", jobId, trainer.stepsDone(), total,
                            latest.get().key());
                } else {
                    trainer = new CustomDiffusionTrainer(models, config, manager);
                }
            } catch (IllegalArgumentException e) {
                throw new JobRejected("INVALID_REQUEST", e.getMessage(), e);
            }
            int resumedFrom = trainer.stepsDone();
            Deque<Float> recent = new ArrayDeque<>();
            if (latest.isPresent() && latest.get().recentLosses() != null) {
                recent.addAll(latest.get().recentLosses());
            }
            TrainingMeters.Run meters = TrainingMeters.process().run();
            try (trainer) {
                trainer.train((step, loss, elapsed) -> {
                    meters.step(loss, elapsed);
                    recent.addLast(loss);
                    if (recent.size() > FINAL_LOSS_WINDOW) {
                        recent.removeFirst();
                    }
                    RunControl.Stop stop = step < total ? control.requested() : RunControl.Stop.NONE;
                    if (stop == RunControl.Stop.AT_ONCE) {
                        throw new TrainingAborted("job " + jobId + " stopped at step " + step + ": "
                                + control.reason());
                    }
                    StoredArtifact checkpoint = null;
                    if (step < total && (step % o.getCheckpointEverySteps() == 0 || stop == RunControl.Stop.AT_CHECKPOINT)) {
                        renewal.requireValid();
                        Path file = dir.resolve("step-" + step + ".safetensors");
                        trainer.saveCheckpoint(file);
                        checkpoint = checkpoints.save(tenant, jobId, runKey, step, file, List.copyOf(recent));
                        deleteQuietly(file);
                    }
                    if (step % o.getProgressEverySteps() == 0 || checkpoint != null || step == total) {
                        sink.progress(step, total, loss, elapsed, checkpoint);
                    }
                    if (stop == RunControl.Stop.AT_CHECKPOINT) {
                        throw new TrainingAborted("job " + jobId + " stopped at its checkpoint of step " + step
                                + ": " + control.reason());
                    }
                });
                Path deltaFile = dir.resolve("delta.safetensors");
                Delta delta = trainer.toDelta();
                delta.write(deltaFile);
                StoredArtifact stored = store.put(tenant, "deltas", deltaFile, "safetensors", DELTA_MEDIA_TYPE);
                deleteQuietly(deltaFile);
                double finalLoss = recent.stream().mapToDouble(Float::doubleValue).average().orElse(Double.NaN);
                List<String> tokens = new ArrayList<>();
                List<String> classWords = new ArrayList<>();
                for (Concept c : concepts) {
                    tokens.add(c.token());
                    classWords.add(c.classWord());
                }
                TrainingResult result = new TrainingResult(stored, tokens, classWords, trainer.stepsDone(), finalLoss,
                        System.currentTimeMillis() - start, resumedFrom, trainer.backend().encode());
                renewal.requireValid();
                checkpoints.markCompleted(tenant, jobId, runKey, result);
                return result;
            }
        } finally {
            ScratchFolders.delete(dir);
        }
    }

    /** The core's configuration of a request, its images read (and verified) from the store. */
    TrainingConfig config(TrainingRequested request) {
        TrainingOptions o = request.getOptions();
        List<Concept> concepts = new ArrayList<>();
        for (ConceptSpec spec : request.getConcepts()) {
            concepts.add(concept(spec));
        }
        try {
            return TrainingConfig.builder(concepts).mode(TrainingPlan.mode(o.getMode())).steps(o.getSteps())
                    .batchSize(o.getBatchSize()).learningRate(o.getLearningRate())
                    .priorLossWeight(o.getPriorLossWeight()).resolution(o.getResolution()).seed(o.getSeed()).build();
        } catch (IllegalArgumentException e) {
            throw new JobRejected("INVALID_OPTIONS", e.getMessage(), e);
        }
    }

    private Concept concept(ConceptSpec spec) {
        String token = spec.getModifierToken();
        String prompt = spec.getCaptions().isEmpty() ? "photo of a " + token + " " + spec.getClassWord()
                : spec.getCaptions().get(0);
        if (!prompt.contains(token)) {
            throw new JobRejected("INVALID_REQUEST", "the caption '" + prompt + "' of concept " + spec.getConceptName()
                    + " does not contain its modifier token " + token);
        }
        List<RgbImage> targets = images(spec.getImages());
        List<RgbImage> regularization = images(spec.getRegularizationImages());
        try {
            return new Concept(spec.getConceptName(), token, spec.getInitializerWord(), spec.getClassWord(), prompt,
                    targets, spec.getClassWord(), regularization, spec.getRegularizationCaptions());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new JobRejected("INVALID_REQUEST", "concept " + spec.getConceptName() + ": " + e.getMessage(), e);
        }
    }

    private List<RgbImage> images(List<ArtifactRef> refs) {
        List<RgbImage> out = new ArrayList<>(refs.size());
        for (ArtifactRef ref : refs) {
            byte[] bytes;
            try {
                bytes = store.getVerified(StoredArtifact.fromRef(ref));
            } catch (ArtifactNotFoundException e) {
                throw new JobRejected("ARTIFACT_NOT_FOUND", "image " + ref.getKey() + " does not exist in bucket "
                        + ref.getBucket(), e);
            }
            BufferedImage image;
            try {
                image = ImageIO.read(new ByteArrayInputStream(bytes));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (image == null) {
                throw new JobRejected("UNREADABLE_IMAGE", "image " + ref.getKey() + " cannot be decoded");
            }
            out.add(RgbImage.of(image));
        }
        return out;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // scratch file; the next run overwrites it
        }
    }
}
