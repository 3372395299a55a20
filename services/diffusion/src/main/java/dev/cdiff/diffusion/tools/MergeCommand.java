package dev.cdiff.diffusion.tools;

import dev.cdiff.diffusion.backend.ComputeDevice;
import ai.djl.ndarray.NDManager;
import dev.cdiff.diffusion.merge.ClosedFormMerge;
import dev.cdiff.diffusion.delta.Delta;
import dev.cdiff.diffusion.merge.RegularizationCaptions;
import dev.cdiff.diffusion.merge.GramCache;
import dev.cdiff.diffusion.merge.RegularizationGram;
import dev.cdiff.diffusion.training.TrainingModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code merge}: closed-form merge of single-concept deltas into one delta with tokens {@code <new1>..<newN>}. */
@Command(name = "merge", mixinStandardHelpOptions = true, description = "Merge Custom Diffusion deltas (closed form).")
public final class MergeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Base model folder the deltas were trained on.")
    Path model;
    @Option(names = "--delta", required = true, description = "Delta file (repeat for each concept).")
    List<Path> deltas;
    @Option(names = "--out", required = true, description = "Merged delta file to write.")
    Path out;
    @Option(names = "--captions", description = "Regularization captions, one per line (default: generated).")
    Path captions;
    @Option(names = "--num-captions", defaultValue = "1000", description = "Generated captions (default ${DEFAULT-VALUE}).")
    int numCaptions;
    @Option(names = "--ridge", defaultValue = "1e-10", description = "Ridge relative to the Gram diagonal (default ${DEFAULT-VALUE}).")
    double ridge;
    @Option(names = "--backend", defaultValue = "FLOAT32", description = "${COMPLETION-CANDIDATES}")
    RegularizationGram.Backend backend;

    @Override
    public Integer call() {
        DjlSetup.offline();
        List<Delta> in = new ArrayList<>();
        for (Path p : deltas) {
            in.add(Delta.read(p));
        }
        List<String> caps = captions != null ? RegularizationCaptions.read(captions)
                : RegularizationCaptions.generated(numCaptions, 0);
        try (NDManager m = ComputeDevice.newManager(); TrainingModels models = TrainingModels.load(model, m)) {
            ClosedFormMerge.Result r = ClosedFormMerge.merge(in, models,
                    new ClosedFormMerge.Options(caps, ridge, backend, 32, GramCache.NONE));
            r.merged().write(out);
            System.err.println(r.report());
            System.out.println(out);
        }
        return 0;
    }
}
