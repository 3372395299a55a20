package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.delta.BaseModelDigest;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.delta.DeltaKind;
import dev.cdiff.diffusion.delta.DiffusersExport;
import dev.cdiff.diffusion.delta.LayerWeight;
import dev.cdiff.diffusion.delta.LowRankDelta;
import dev.cdiff.diffusion.io.ModelFolder;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code delta info|compress|fp16|export-diffusers|import-diffusers}: inspect and convert delta files. */
@Command(name = "delta", mixinStandardHelpOptions = true, description = "Inspect and convert Custom Diffusion deltas.",
        subcommands = {DeltaCommand.Info.class, DeltaCommand.Compress.class, DeltaCommand.Fp16.class,
            DeltaCommand.ExportDiffusers.class, DeltaCommand.ImportDiffusers.class})
public final class DeltaCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Base UNet weights by name, loaded once (needed by low-rank layers). */
    static Map<String, float[]> baseWeights(Path model) {
        try (NDManager m = ComputeDevice.newManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelFolder(model).unetDir(), m)) {
            Map<String, float[]> out = new TreeMap<>();
            for (Map.Entry<String, NDArray> e : unet.parameters().entrySet()) {
                out.put(e.getKey(), e.getValue().toFloatArray());
            }
            return out;
        }
    }

    static List<String> untrainedProcessors(Path model) {
        try (NDManager m = ComputeDevice.newManager();
             UNet2DConditionModel unet = UNet2DConditionModel.load(new ModelFolder(model).unetDir(), m)) {
            List<String> out = new ArrayList<>();
            for (String k : unet.parameters().keySet()) {
                if (k.endsWith(".attn1.to_q.weight")) {
                    out.add(k.substring(0, k.length() - ".to_q.weight".length()) + ".processor");
                }
            }
            return out;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Print a delta's metadata and layers.")
    public static final class Info implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DELTA")
        Path file;

        @Override
        public Integer call() throws Exception {
            Delta d = Delta.read(file);
            System.out.println("file: " + file + " (" + Files.size(file) + " bytes)");
            System.out.println("kind: " + d.kind().id());
            System.out.println("base_model_digest: " + d.metadata().baseModelDigest());
            System.out.println("seed: " + d.metadata().seed());
            d.metadata().tokens().forEach(t -> System.out.println("token: " + t.token() + " concept=" + t.concept()
                    + " class=" + t.classWord() + " initializer=" + t.initializerWord()));
            d.metadata().extra().forEach((k, v) -> System.out.println(k + ": " + v));
            System.out.println("training_config: " + d.metadata().trainingConfig());
            long params = 0;
            for (LayerWeight l : d.layers().values()) {
                params += l instanceof LayerWeight.Factored f ? (long) f.rank() * (f.rows() + f.cols()) : (long) l.rows() * l.cols();
            }
            System.out.println("layers: " + d.layers().size() + " stored_values: " + params);
            return 0;
        }
    }

    @Command(name = "compress", mixinStandardHelpOptions = true, description = "Low-rank compress a delta (SVD of W - W0).")
    public static final class Compress implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Base model folder.")
        Path model;
        @Option(names = "--rank", description = "Keep this many singular directions per layer.")
        Integer rank;
        @Option(names = "--energy", description = "The reference's compression ratio (adobe-research/custom-diffusion, "
                + "default there 0.6): keep the singular directions before the one whose running share of the sum of "
                + "singular values (not their squares) first exceeds this value; at least one is kept.")
        Double energy;
        @Option(names = "--squared-energy", description = "Keep as many directions as reach this fraction of the "
                + "squared singular values (Frobenius energy), e.g. 0.9.")
        Double squaredEnergy;
        @Parameters(index = "0", paramLabel = "IN")
        Path in;
        @Parameters(index = "1", paramLabel = "OUT")
        Path out;

        @Override
        public Integer call() {
            DjlSetup.offline();
            int given = (rank == null ? 0 : 1) + (energy == null ? 0 : 1) + (squaredEnergy == null ? 0 : 1);
            if (given != 1) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "give exactly one of --rank, --energy or --squared-energy");
            }
            LowRankDelta.Policy policy = rank != null ? LowRankDelta.Policy.rank(rank)
                    : energy != null ? LowRankDelta.Policy.referenceRatio(energy)
                    : LowRankDelta.Policy.energy(squaredEnergy);
            Map<String, float[]> base = baseWeights(model);
            Delta d = LowRankDelta.compress(Delta.read(in), base::get, policy);
            d.write(out);
            System.out.println(out + " parameter_fraction=" + d.metadata().extra().get("lowrank_parameter_fraction"));
            return 0;
        }
    }

    @Command(name = "fp16", mixinStandardHelpOptions = true, description = "Store a full delta in float16.")
    public static final class Fp16 implements Callable<Integer> {
        @Option(names = "--model", description = "Base model folder (needed for low-rank input).")
        Path model;
        @Parameters(index = "0", paramLabel = "IN")
        Path in;
        @Parameters(index = "1", paramLabel = "OUT")
        Path out;

        @Override
        public Integer call() {
            DjlSetup.offline();
            Delta d = Delta.read(in);
            if (d.kind() == DeltaKind.LOWRANK) {
                if (model == null) {
                    throw new IllegalArgumentException("a low-rank delta needs --model to be expanded");
                }
                Map<String, float[]> base = baseWeights(model);
                d.toFull(base::get, DeltaKind.FP16).write(out);
            } else {
                d.withKind(DeltaKind.FP16).write(out);
            }
            System.out.println(out);
            return 0;
        }
    }

    @Command(name = "export-diffusers", mixinStandardHelpOptions = true,
            description = "Write pytorch_custom_diffusion_weights.safetensors + <token>.safetensors files.")
    public static final class ExportDiffusers implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Base model folder.")
        Path model;
        @Option(names = "--bin", description = "Also write pytorch_custom_diffusion_weights.bin and <token>.bin "
                + "(PyTorch zip pickles, for loaders without safetensors).")
        boolean bin;
        @Parameters(index = "0", paramLabel = "DELTA")
        Path in;
        @Parameters(index = "1", paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() {
            DjlSetup.offline();
            Delta d = Delta.read(in);
            Map<String, float[]> base = d.kind() == DeltaKind.LOWRANK ? baseWeights(model) : Map.of();
            DiffusersExport.export(d, base::get, untrainedProcessors(model), dir, bin);
            System.out.println(dir);
            return 0;
        }
    }

    @Command(name = "import-diffusers", mixinStandardHelpOptions = true, description = "Read a diffusers Custom Diffusion folder "
            + "(safetensors, or .bin read without executing any pickled code).")
    public static final class ImportDiffusers implements Callable<Integer> {
        @Option(names = "--model", description = "Base model folder the weights belong to (records its digest).")
        Path model;
        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;
        @Parameters(index = "1", paramLabel = "DELTA")
        Path out;

        @Override
        public Integer call() {
            DjlSetup.offline();
            Delta d = DiffusersExport.importFolder(dir, model == null ? "" : BaseModelDigest.of(model));
            d.write(out);
            System.out.println(out);
            return 0;
        }
    }
}
