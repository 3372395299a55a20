package dev.cdiff.diffusion.training;

import java.util.List;

/** A small concept of drawn discs and a fast training setting, shared by the tests that need a trained delta. */
public final class TrainingFixtures {
    private TrainingFixtures() {
    }

    public static Concept dogConcept(boolean withRegularization) {
        return new Concept("red-disc", "<new1>", "ktn", "dog", "photo of a <new1> dog",
                ToyImages.discs(3, 32, ToyImages.RED, ToyImages.BLUE, 1),
                "photo of a dog", withRegularization ? ToyImages.discs(4, 40, ToyImages.GREEN, ToyImages.GRAY, 2) : List.of(),
                null);
    }

    public static TrainingConfig.Builder fastConfig(Concept... concepts) {
        return TrainingConfig.builder(List.of(concepts)).batchSize(4).learningRate(1e-3).scaleLearningRate(false)
                .seed(7);
    }
}
