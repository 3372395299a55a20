package dev.cdiff.toyworld;

import dev.cdiff.toyworld.corpus.CorpusWriter;
import dev.cdiff.toyworld.detect.DetectedObject;
import dev.cdiff.toyworld.detect.DetectedScene;
import dev.cdiff.toyworld.detect.SceneDetector;
import dev.cdiff.toyworld.image.ToyImage;
import dev.cdiff.toyworld.metrics.TextAlignment;
import dev.cdiff.toyworld.pretrain.DecoderObjective;
import dev.cdiff.toyworld.pretrain.PretrainConfig;
import dev.cdiff.toyworld.pretrain.ToyBasePretraining;
import dev.cdiff.toyworld.pretrain.ToyModelFolder;
import dev.cdiff.toyworld.vocab.TokenizerFolderWriter;
import dev.cdiff.toyworld.world.Concepts;
import dev.cdiff.toyworld.world.Split;
import dev.cdiff.toyworld.world.ToyWorld;
import dev.cdiff.toyworld.world.WorldConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code toyworld} commands for generating data sets and scoring images; registered by the cli module. */
@Command(name = "toyworld", mixinStandardHelpOptions = true,
    description = "Procedural toy world: data sets, tokenizer and exact metrics.",
    subcommands = {ToyWorldCommand.Corpus.class, ToyWorldCommand.ConceptTargets.class,
        ToyWorldCommand.Tokenizer.class, ToyWorldCommand.Detect.class, ToyWorldCommand.Pretrain.class,
        dev.cdiff.toyworld.eval.EvalCommand.class})
public final class ToyWorldCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ToyWorldCommand()).execute(args));
    }

    @Command(name = "corpus", description = "Write NNN.png + NNN.txt image/caption pairs.")
    static final class Corpus implements Callable<Integer> {
        @Option(names = "--out", required = true) Path out;
        @Option(names = "-n", defaultValue = "1000") int count;
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--size", defaultValue = "32", description = "image side, a multiple of 16") int size;
        @Option(names = "--split", defaultValue = "TRAIN", description = "TRAIN or HELD_OUT") Split split;

        @Override
        public Integer call() throws Exception {
            ToyWorld world = new ToyWorld(WorldConfig.defaults().withImageSize(size));
            CorpusWriter.write(out, world, count, seed, split);
            System.out.printf("wrote %d %s samples to %s%n", count, split, out);
            return 0;
        }
    }

    @Command(name = "concept", description = "Write a personal concept's target images and captions.")
    static final class ConceptTargets implements Callable<Integer> {
        @Option(names = "--concept", required = true, description = "<new1>, <new2> or <new3>") String token;
        @Option(names = "--out", required = true) Path out;
        @Option(names = "-n", defaultValue = "8") int count;
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--size", defaultValue = "32") int size;

        @Override
        public Integer call() throws Exception {
            ToyWorld world = new ToyWorld(WorldConfig.defaults().withImageSize(size));
            CorpusWriter.writeConcept(out, world, Concepts.byToken(token), count, seed);
            System.out.printf("wrote %d targets of %s to %s%n", count, token, out);
            return 0;
        }
    }

    @Command(name = "tokenizer", description = "Write the world's CLIP tokenizer folder.")
    static final class Tokenizer implements Callable<Integer> {
        @Option(names = "--out", required = true) Path out;

        @Override
        public Integer call() throws Exception {
            int size = TokenizerFolderWriter.write(out);
            System.out.printf("wrote tokenizer with %d tokens to %s%n", size, out);
            return 0;
        }
    }

    @Command(name = "pretrain", description = "Train the toy base model (PRETRAIN.md); hours on 2 CPU cores.")
    public static final class Pretrain implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "model folder (created, or resumed from its VAE stage)") Path out;
        @Option(names = "--vae-steps", defaultValue = "4000",
            description = "0 = keep the folder's trained VAE and continue the diffusion stage") int vaeSteps;
        @Option(names = "--decoder-steps", defaultValue = "0",
            description = "then fine-tune only the VAE decoder on the frozen encoder (latents and UNet stay valid)") int decoderSteps;
        @Option(names = "--decoder-lr", defaultValue = "3e-4") double decoderLr;
        @Option(names = "--decoder-edge-weight", defaultValue = "0",
            description = "weight of the decoder stage's pixel-difference L1 term (0 = plain L1)") double decoderEdgeWeight;
        @Option(names = "--decoder-pattern-share", defaultValue = "0.3",
            description = "share of the decoder stage's batches that are patterned scenes") double decoderPatternShare;
        @Option(names = "--decoder-single-share", defaultValue = "0",
            description = "share of the decoder stage's batches that are single patterned objects") double decoderSingleShare;
        @Option(names = "--decoder-pair-share", defaultValue = "0",
            description = "share of the decoder stage's batches that are two patterned objects side by side") double decoderPairShare;
        @Option(names = "--steps", defaultValue = "15000",
            description = "UNet + text embedding steps; 0 = stop after the VAE stage") int steps;
        @Option(names = "--latent-channels", defaultValue = "16", description = "VAE latent channels of a new folder") int latentChannels;
        @Option(names = "--vae-channels", split = ",",
            description = "VAE block channels of a new folder; n blocks downsample by 2^(n-1) (default: ${DEFAULT-VALUE})")
        int[] vaeChannels = dev.cdiff.toyworld.pretrain.ToyModelSpec.proposedVaeChannels();
        @Option(names = "--batch", defaultValue = "32") int batch;
        @Option(names = "--checkpoint-every", defaultValue = "1000") int checkpointEvery;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--vae-lr", defaultValue = "1e-3") double vaeLr;
        @Option(names = "--vae-warmup", defaultValue = "200") int vaeWarmup;
        @Option(names = "--lr", defaultValue = "3e-4", description = "UNet + embedding peak learning rate") double lr;
        @Option(names = "--warmup", defaultValue = "500") int warmup;

        /** The architecture a new folder gets; a resumed folder keeps the one in its configs. */
        dev.cdiff.toyworld.pretrain.ToyModelSpec newFolderSpec() {
            return ToyModelFolder.defaultSpec(latentChannels, vaeChannels);
        }

        @Override
        public Integer call() throws Exception {
            dev.cdiff.diffusion.tools.DjlSetup.offline();
            PretrainConfig vaeDefaults = PretrainConfig.vaeDefaults();
            PretrainConfig diffusionDefaults = PretrainConfig.diffusionDefaults();
            PretrainConfig vae = vaeSteps == 0 ? null : new PretrainConfig(vaeSteps, batch, vaeLr, vaeWarmup,
                vaeDefaults.weightDecay(), vaeDefaults.gradClip(), 0, seed);
            PretrainConfig decoder = decoderSteps == 0 ? null : new PretrainConfig(decoderSteps, batch, decoderLr, vaeWarmup,
                0.0, vaeDefaults.gradClip(), 0, seed + 2);
            PretrainConfig diffusion = steps == 0 ? null : new PretrainConfig(steps, batch, lr, warmup,
                diffusionDefaults.weightDecay(), diffusionDefaults.gradClip(), diffusionDefaults.captionDropout(), seed + 1);
            try (ai.djl.ndarray.NDManager root = dev.cdiff.diffusion.backend.ComputeDevice.newManager()) {
                ToyBasePretraining.Result r = ToyBasePretraining.run(out, ToyWorld.defaults(), newFolderSpec(),
                    vae, decoder, new DecoderObjective(decoderEdgeWeight, decoderPatternShare, decoderSingleShare,
                        decoderPairShare), diffusion,
                    checkpointEvery, root, (step, total, loss, ms) -> {
                        if (step % 50 == 0 || step == total) {
                            System.out.printf(Locale.ROOT, "step %d/%d loss %.5f %.1f s%n", step, total, loss, ms / 1000.0);
                        }
                    });
                if (r.vaeAcceptance() != null) System.out.println("VAE round trip: " + r.vaeAcceptance().describe());
                System.out.printf(Locale.ROOT, "done: vae loss %.5f, diffusion loss %.5f, scaling factor %.5f%n",
                    r.vaeLoss(), r.diffusionLoss(), r.scalingFactor());
            }
            return 0;
        }
    }

    @Command(name = "detect", description = "Detect objects in a PNG and optionally score a prompt against it.")
    static final class Detect implements Callable<Integer> {
        @Parameters(index = "0") Path image;
        @Option(names = "--prompt") String prompt;

        @Override
        public Integer call() throws Exception {
            ToyImage img = ToyImage.readPng(image);
            DetectedScene scene = new SceneDetector().detect(img);
            System.out.println("background: " + scene.background());
            for (DetectedObject o : scene.objects()) {
                System.out.printf(Locale.ROOT, "%s %s %s %s fill=%s iou=%.2f%n", o.size(), o.color(), o.shape(),
                    o.position(), o.fill(), o.shapeIou());
            }
            if (prompt != null) {
                System.out.printf(Locale.ROOT, "text alignment: %.4f%n", new TextAlignment().score(prompt, img));
            }
            return 0;
        }
    }
}
