package dev.cdiff.cli.model;

import dev.cdiff.cli.stack.CompletedFolder;
import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import dev.cdiff.toyworld.pretrain.ToyModelFolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The base model of the demo and of a fresh {@code up}: a small, randomly initialised Stable-Diffusion-shaped model
 * (the toy world's architecture: CLIP text encoder, cross-attention UNet, KL autoencoder, DDIM scheduler, CLIP
 * tokenizer; 32 px images) in the diffusers layout. Users have no downloaded checkpoint, so the project makes its
 * own, once per workspace, from a fixed seed, unless the project's pretrained toy-world model is present: that
 * model knows the toy world's shapes and colours, so the demo's samples show something; the random one exercises
 * every code path of the pipeline but draws noise.
 */
public final class DemoBaseModel {
    private static final Logger LOG = LoggerFactory.getLogger(DemoBaseModel.class);
    public static final long SEED = 20231;

    private DemoBaseModel() {
    }

    /** {@code <workspace>/models/demo-base}. */
    public static Path folder(Path workspace) {
        return workspace.resolve("models").resolve("demo-base");
    }

    /** Image side the model was built for (pixels). */
    public static int imageSize() {
        return ToyModelFolder.defaultSpec().imageSize();
    }

    /**
     * The toy-world base model committed with the project ({@code <cdiff.home>/models/toy-base}, trained by
     * {@code ./cdiff pretrain-toy}), when the launcher tells us where the project is and the folder is complete.
     */
    public static java.util.Optional<Path> pretrained() {
        String home = System.getProperty("cdiff.home");
        if (home == null) {
            return java.util.Optional.empty();
        }
        Path dir = Path.of(home, "models", "toy-base");
        return Files.isRegularFile(dir.resolve("model_index.json"))
                && Files.isRegularFile(dir.resolve("unet").resolve("diffusion_pytorch_model.safetensors"))
                ? java.util.Optional.of(dir) : java.util.Optional.empty();
    }

    /** The pretrained toy-world model if the project has it, else a random one created once in the workspace. */
    public static synchronized Path ensure(Path workspace) {
        java.util.Optional<Path> toy = pretrained();
        if (toy.isPresent()) {
            return toy.get();
        }
        Path dir = folder(workspace);
        if (CompletedFolder.isComplete(dir)) {
            return dir;
        }
        long start = System.nanoTime();
        CompletedFolder.ensure(dir, "seed " + SEED, staging -> {
            try (NDManager manager = ComputeDevice.newManager()) {
                ToyModelFolder.createRandom(staging, ToyModelFolder.defaultSpec(), SEED, manager);
            }
        });
        LOG.info("created the demo base model in {} ({} ms)", dir, (System.nanoTime() - start) / 1_000_000);
        return dir;
    }
}
