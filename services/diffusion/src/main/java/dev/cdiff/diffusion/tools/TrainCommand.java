package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.backend.ComputeDevice;
import dev.cdiff.diffusion.backend.BackendGradientException;
import dev.cdiff.diffusion.backend.GradientSelfCheck;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdiff.diffusion.training.Concept;
import dev.cdiff.diffusion.training.ConceptFolder;
import dev.cdiff.diffusion.training.CustomDiffusionTrainer;
import dev.cdiff.diffusion.delta.DeltaKind;
import dev.cdiff.diffusion.training.TrainingConfig;
import dev.cdiff.diffusion.training.TrainingMode;
import dev.cdiff.diffusion.training.TrainingModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code train}: Custom Diffusion fine-tuning of one concept (flags) or several jointly ({@code --concepts FILE}, a
 * JSON list of {token, initializer, class_word, instance_prompt, instance_dir, class_prompt, class_dir, class_captions}),
 * written as a delta file.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Learn concepts into a Custom Diffusion delta.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Diffusers-layout base model folder.")
    Path model;
    @Option(names = "--out", required = true, description = "Delta file to write (.safetensors).")
    Path out;
    @Option(names = "--concepts", description = "JSON list of concepts (joint training).")
    Path conceptsFile;
    @Option(names = "--instance-dir", description = "Folder of target images (single concept).")
    Path instanceDir;
    @Option(names = "--instance-prompt", description = "Caption with the token, e.g. \"photo of a <new1> dog\".")
    String instancePrompt;
    @Option(names = "--token", defaultValue = "<new1>", description = "Modifier token (default ${DEFAULT-VALUE}).")
    String token;
    @Option(names = "--initializer", defaultValue = "ktn", description = "Single-token initializer word (default ${DEFAULT-VALUE}).")
    String initializer;
    @Option(names = "--class-word", defaultValue = "", description = "Category word, e.g. dog.")
    String classWord;
    @Option(names = "--class-dir", description = "Regularization images (enables prior preservation).")
    Path classDir;
    @Option(names = "--class-prompt", description = "Caption of every regularization image without its own caption "
            + "(default: \"photo of a <class word>\").")
    String classPrompt;
    @Option(names = "--class-captions", description = "Text file with one caption per regularization image, in the "
            + "file-name order of --class-dir (e.g. the captions the images were retrieved with).")
    Path classCaptions;
    @Option(names = "--mode", defaultValue = "CUSTOM_DIFFUSION", description = "${COMPLETION-CANDIDATES}")
    TrainingMode mode;
    @Option(names = "--steps", defaultValue = "0", description = "Steps (0 = 250 single / 500 joint).")
    int steps;
    @Option(names = "--batch", defaultValue = "8", description = "Images per step (default ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", description = "Base learning rate (default: 1e-5, or 5e-4 with --mode TEXTUAL_INVERSION).")
    Double lr;
    @Option(names = "--no-scale-lr", description = "Do not multiply the learning rate by the batch size.")
    boolean noScaleLr;
    @Option(names = "--resolution", defaultValue = "0", description = "Image side (0 = the model's native size).")
    int resolution;
    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--no-aug", description = "Disable the resize augmentation.")
    boolean noAug;
    @Option(names = "--no-hflip", description = "Disable horizontal flips.")
    boolean noHflip;
    @Option(names = "--fp16", description = "Store the delta in float16.")
    boolean fp16;
    @Option(names = "--checkpoint", description = "Checkpoint file written every --checkpoint-every steps and at the end.")
    Path checkpoint;
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Checkpoint interval in steps (0 = only at the end).")
    int checkpointEvery;
    @Option(names = "--resume", description = "Resume from this checkpoint (same settings).")
    Path resume;

    /** Exit code when the gradient self-check refuses this machine. */
    static final int REFUSED_EXIT_CODE = 3;

    @Override
    public Integer call() throws IOException {
        DjlSetup.offline();
        try {
            System.err.println(GradientSelfCheck.requirePassing().summary());
        } catch (BackendGradientException e) {
            System.err.println(e.getMessage());
            return REFUSED_EXIT_CODE;
        }
        List<Concept> concepts = conceptsFile != null ? readConcepts(conceptsFile) : List.of(singleConcept());
        TrainingConfig cfg = TrainingConfig.builder(concepts).mode(mode).steps(steps).batchSize(batch)
                .learningRate(lr != null ? lr : TrainingConfig.defaultLearningRate(mode))
                .scaleLearningRate(!noScaleLr).resolution(resolution).seed(seed).augment(!noAug).hflip(!noHflip).build();
        try (NDManager m = ComputeDevice.newManager(); TrainingModels models = TrainingModels.load(model, m);
             CustomDiffusionTrainer t = resume != null ? CustomDiffusionTrainer.resume(models, cfg, m, resume)
                     : new CustomDiffusionTrainer(models, cfg, m)) {
            int total = cfg.effectiveSteps();
            int every = checkpointEvery > 0 ? checkpointEvery : total;
            while (t.stepsDone() < total) {
                int target = Math.min(total, (t.stepsDone() / every + 1) * every);
                t.trainUntil(target, (step, loss, ms) -> {
                    if (step % 10 == 0 || step == total) {
                        System.err.printf(Locale.ROOT, "step %d/%d loss %.4f %.1f s%n", step, total, loss, ms / 1000.0);
                    }
                });
                if (checkpoint != null) {
                    t.saveCheckpoint(checkpoint);
                }
            }
            var delta = t.toDelta();
            (fp16 ? delta.withKind(DeltaKind.FP16) : delta).write(out);
            System.out.println(out);
        }
        return 0;
    }

    Concept singleConcept() throws IOException {
        if (instanceDir == null || instancePrompt == null) {
            throw new IllegalArgumentException("give --instance-dir and --instance-prompt, or --concepts FILE");
        }
        if (classCaptions != null && classDir == null) {
            throw new IllegalArgumentException("--class-captions needs --class-dir");
        }
        return new Concept(classWord, token, initializer, classWord, instancePrompt, ConceptFolder.images(instanceDir),
                classPrompt != null ? classPrompt : defaultClassPrompt(classWord),
                classDir == null ? List.of() : ConceptFolder.images(classDir),
                classCaptions == null ? null : captionLines(classCaptions));
    }

    /**
     * The caption regularization images get when none is given: the instance prompt's framing without the token, as
     * the reference's generated-prior run and the orchestrator's class prompt phrase it; a bare class word is not a
     * caption the text encoder saw such images under.
     */
    static String defaultClassPrompt(String classWord) {
        return classWord == null || classWord.isBlank() ? null : "photo of a " + classWord;
    }

    static List<String> captionLines(Path file) throws IOException {
        List<String> lines = java.nio.file.Files.readAllLines(file).stream().map(String::strip)
                .filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no captions");
        }
        return lines;
    }

    static List<Concept> readConcepts(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (!root.isArray() || root.isEmpty()) {
            throw new IllegalArgumentException(file + " must hold a non-empty JSON list of concepts");
        }
        Path base = file.toAbsolutePath().getParent();
        List<Concept> out = new ArrayList<>();
        int i = 1;
        for (JsonNode c : root) {
            String tok = c.path("token").asText("<new" + i + ">");
            String classDir = c.path("class_dir").asText("");
            String captions = c.path("class_captions").asText("");
            if (!captions.isEmpty() && classDir.isEmpty()) {
                throw new IllegalArgumentException(file + ": concept " + tok + " has class_captions but no class_dir");
            }
            out.add(new Concept(c.path("name").asText(c.path("class_word").asText("")), tok,
                    c.path("initializer").asText(List.of("ktn", "pll", "ucd").get((i - 1) % 3)), c.path("class_word").asText(""),
                    required(c, "instance_prompt", file), ConceptFolder.images(base.resolve(required(c, "instance_dir", file))),
                    c.path("class_prompt").asText(defaultClassPrompt(c.path("class_word").asText(""))),
                    classDir.isEmpty() ? List.of() : ConceptFolder.images(base.resolve(classDir)),
                    captions.isEmpty() ? null : captionLines(base.resolve(captions))));
            i++;
        }
        return out;
    }

    private static String required(JsonNode c, String field, Path file) {
        String v = c.path(field).asText("");
        if (v.isEmpty()) {
            throw new IllegalArgumentException(file + ": a concept lacks '" + field + "'");
        }
        return v;
    }
}
