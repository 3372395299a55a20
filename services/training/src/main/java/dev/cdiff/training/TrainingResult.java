package dev.cdiff.training;

import dev.cdiff.platform.store.StoredArtifact;

import java.util.List;

/** A finished run: the stored delta and what TrainingCompleted reports about it. */
record TrainingResult(StoredArtifact delta, List<String> tokens, List<String> classWords, int steps, double finalLoss,
                      long durationMillis, int resumedFromStep, String backend) {
}
