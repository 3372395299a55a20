package dev.cdiff.training;

import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.training.CustomDiffusionTrainer;
import dev.cdiff.diffusion.training.TrainingConfig;
import dev.cdiff.diffusion.training.TrainingListener;
import dev.cdiff.diffusion.training.TrainingModels;
import dev.cdiff.platform.store.ArtifactStore;
import dev.cdiff.schemas.events.TrainingRequested;

import java.nio.file.Path;

/**
 * Re-derives the delta a TrainingRequested produced, without Kafka, leases or checkpoints: the same images from
 * the store, the same configuration and the same trainer, run straight through. The worker's runs (resumed or not)
 * reproduce this run bit for bit on the same backend, which is what an audit compares.
 */
public final class TrainingReplay {
    private TrainingReplay() {
    }

    /** Trains the request on {@code baseModelDir} and writes the delta to {@code target}. */
    public static Path deltaFile(TrainingRequested request, ArtifactStore store, Path baseModelDir, Path target) {
        // no plan or quota check: the request was admitted when it ran, and the audit reproduces that run
        TrainingJob job = new TrainingJob(baseModelDir, store, target.toAbsolutePath().getParent(), null, null, null);
        TrainingConfig config = job.config(request);
        try (NDManager manager = NDManager.newBaseManager();
             TrainingModels models = TrainingModels.load(baseModelDir, manager);
             CustomDiffusionTrainer trainer = new CustomDiffusionTrainer(models, config, manager)) {
            trainer.train(TrainingListener.NONE);
            trainer.toDelta().write(target);
        }
        return target;
    }
}
