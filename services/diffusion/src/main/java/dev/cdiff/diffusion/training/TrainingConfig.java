package dev.cdiff.diffusion.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Settings of a training run. Defaults follow the paper / the diffusers reference: batch 8 (half target images, half
 * regularization images when any concept has them), lr 1e-5 scaled by the batch size (the reference's --scale_lr:
 * lr x per-half batch x 2 with prior preservation = 8e-5), AdamW(0.9, 0.999, eps 1e-8, wd 1e-2), gradient-norm
 * clipping at 1.0, 250 steps for one concept and 500 for joint training, augmentation on, horizontal flip on.
 *
 * @param resolution   training image side in pixels; 0 = the UNet's sample_size x the VAE downsampling factor
 * @param batchSize    images per step in total (instances + regularization); must be even when regularizing
 * @param steps        optimizer steps; 0 = 250 per concept for one concept, 500 for several
 * @param maxGradNorm  clip the global gradient norm to this (0 = no clipping)
 */
public record TrainingConfig(TrainingMode mode, List<Concept> concepts, int resolution, int batchSize, int steps,
                             double learningRate, boolean scaleLearningRate, double priorLossWeight,
                             boolean augment, boolean hflip, double beta1, double beta2, double adamEpsilon,
                             double weightDecay, double maxGradNorm, long seed, boolean detachFirstTokenKv) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public TrainingConfig {
        concepts = List.copyOf(concepts);
        if (concepts.isEmpty()) {
            throw new IllegalArgumentException("training needs at least one concept");
        }
        if (concepts.stream().map(Concept::token).distinct().count() != concepts.size()) {
            throw new IllegalArgumentException("concept tokens must be distinct");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (usesRegularization(concepts) && batchSize % 2 != 0) {
            throw new IllegalArgumentException("batchSize must be even with regularization images (half targets, half"
                    + " regularization), got " + batchSize);
        }
        if (steps < 0 || resolution < 0) {
            throw new IllegalArgumentException("steps and resolution must be >= 0");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        }
        if (!(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("maxGradNorm must be >= 0, got " + maxGradNorm);
        }
    }

    public static Builder builder(List<Concept> concepts) {
        return new Builder(concepts);
    }

    static boolean usesRegularization(List<Concept> concepts) {
        return concepts.stream().anyMatch(c -> !c.classImages().isEmpty());
    }

    public boolean usesRegularization() {
        return usesRegularization(concepts);
    }

    /** Target images per step. */
    public int instancesPerStep() {
        return usesRegularization() ? batchSize / 2 : batchSize;
    }

    public int effectiveSteps() {
        if (steps > 0) {
            return steps;
        }
        return concepts.size() == 1 ? 250 : 500;
    }

    /**
     * The base learning rate a mode trains with when none is given. Custom Diffusion and full fine-tuning move
     * pretrained weights and follow the reference's 1e-5 (x batch = 8e-5). A token-only run moves nothing but a few
     * embedding rows, starting from a word's row and having to travel to the concept; at 8e-5 it barely leaves the
     * initializer in 250 steps. Textual inversion recipes train rows at 5e-4 per image (diffusers' textual_inversion
     * example, x its batch scaling), and our toy-world token runs converge at 3e-3 effective; 5e-4 x batch 8 = 4e-3
     * sits in that range.
     */
    public static double defaultLearningRate(TrainingMode mode) {
        return mode == TrainingMode.TEXTUAL_INVERSION ? 5e-4 : 1e-5;
    }

    /** The reference's --scale_lr: lr x train_batch_size (x2 with prior preservation) = lr x total batch. */
    public double effectiveLearningRate() {
        return scaleLearningRate ? learningRate * batchSize : learningRate;
    }

    public AdamW.Hyper adamW() {
        return new AdamW.Hyper(effectiveLearningRate(), beta1, beta2, adamEpsilon, weightDecay);
    }

    /** Settings without the images, for delta metadata and checkpoints. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("mode", mode.name().toLowerCase(java.util.Locale.ROOT));
        var cs = o.putArray("concepts");
        for (Concept c : concepts) {
            ObjectNode n = cs.addObject();
            n.put("name", c.name());
            n.put("token", c.token());
            n.put("initializer_word", c.initializerWord());
            n.put("class_word", c.classWord());
            n.put("instance_prompt", c.instancePrompt());
            if (!c.modifierToken()) n.put("modifier_token", false);
            n.put("class_prompt", c.classPrompt());
            n.put("instance_images", c.instanceImages().size());
            n.put("class_images", c.classImages().size());
        }
        o.put("resolution", resolution);
        o.put("batch_size", batchSize);
        o.put("steps", effectiveSteps());
        o.put("learning_rate", learningRate);
        o.put("scale_lr", scaleLearningRate);
        o.put("effective_learning_rate", effectiveLearningRate());
        o.put("prior_loss_weight", priorLossWeight);
        o.put("augment", augment);
        o.put("hflip", hflip);
        o.put("adam_beta1", beta1);
        o.put("adam_beta2", beta2);
        o.put("adam_epsilon", adamEpsilon);
        o.put("weight_decay", weightDecay);
        o.put("max_grad_norm", maxGradNorm);
        o.put("seed", seed);
        o.put("detach_first_token_kv", detachFirstTokenKv);
        return o;
    }

    public static final class Builder {
        private TrainingMode mode = TrainingMode.CUSTOM_DIFFUSION;
        private final List<Concept> concepts;
        private int resolution;
        private int batchSize = 8;
        private int steps;
        private Double learningRate;
        private boolean scaleLearningRate = true;
        private double priorLossWeight = 1.0;
        private boolean augment = true;
        private boolean hflip = true;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double adamEpsilon = 1e-8;
        private double weightDecay = 1e-2;
        private double maxGradNorm = 1.0;
        private long seed = 42;
        private boolean detachFirstTokenKv = true;

        private Builder(List<Concept> concepts) {
            this.concepts = concepts;
        }

        public Builder mode(TrainingMode v) { this.mode = v; return this; }
        public Builder resolution(int v) { this.resolution = v; return this; }
        public Builder batchSize(int v) { this.batchSize = v; return this; }
        public Builder steps(int v) { this.steps = v; return this; }
        public Builder learningRate(double v) { this.learningRate = v; return this; }
        public Builder scaleLearningRate(boolean v) { this.scaleLearningRate = v; return this; }
        public Builder priorLossWeight(double v) { this.priorLossWeight = v; return this; }
        public Builder augment(boolean v) { this.augment = v; return this; }
        public Builder hflip(boolean v) { this.hflip = v; return this; }
        public Builder betas(double b1, double b2) { this.beta1 = b1; this.beta2 = b2; return this; }
        public Builder adamEpsilon(double v) { this.adamEpsilon = v; return this; }
        public Builder weightDecay(double v) { this.weightDecay = v; return this; }
        public Builder maxGradNorm(double v) { this.maxGradNorm = v; return this; }
        public Builder seed(long v) { this.seed = v; return this; }
        public Builder detachFirstTokenKv(boolean v) { this.detachFirstTokenKv = v; return this; }

        public TrainingConfig build() {
            double lr = learningRate != null ? learningRate : defaultLearningRate(mode);
            return new TrainingConfig(mode, concepts, resolution, batchSize, steps, lr, scaleLearningRate,
                    priorLossWeight, augment, hflip, beta1, beta2, adamEpsilon, weightDecay, maxGradNorm, seed,
                    detachFirstTokenKv);
        }
    }
}
