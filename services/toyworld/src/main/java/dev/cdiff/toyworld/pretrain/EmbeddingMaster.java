package dev.cdiff.toyworld.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.text.ClipTextEncoder;
import java.util.Arrays;

/** Master copy of the text encoder's token-embedding table, trained through per-step row leaves. */
final class EmbeddingMaster implements AutoCloseable {
    static final String KEY = "text/" + ClipTextEncoder.TOKEN_EMBEDDING;

    private final ClipTextEncoder text;
    private final NDManager manager;
    private final NDArray master;
    private final int hidden;

    EmbeddingMaster(ClipTextEncoder text, NDManager parent) {
        this.text = text;
        this.manager = parent.newSubManager();
        this.master = text.tokenEmbedding().toType(DataType.FLOAT32, true);
        master.attach(manager);
        this.hidden = text.hiddenSize();
    }

    NDArray master() {
        return master;
    }

    static int[] distinct(long[] ids) {
        return Arrays.stream(ids).distinct().sorted().mapToInt(v -> (int) v).toArray();
    }

    /** [k, hidden] copy of the rows of the given ids, requiring gradients, in the step manager. */
    NDArray rowsLeaf(int[] ids, NDManager step) {
        float[] table = master.toFloatArray();
        float[] rows = new float[ids.length * hidden];
        for (int i = 0; i < ids.length; i++) System.arraycopy(table, ids[i] * hidden, rows, i * hidden, hidden);
        NDArray leaf = step.create(rows, new Shape(ids.length, hidden));
        leaf.setRequiresGradient(true);
        return leaf;
    }

    /** The rows' gradient scattered into a zero table gradient. */
    NDArray denseGradient(NDArray rowsLeaf, int[] ids, NDManager step) {
        NDArray g = rowsLeaf.getGradient();
        g.attach(step);
        float[] rowGrad = g.toFloatArray();
        float[] dense = new float[(int) master.size()];
        for (int i = 0; i < ids.length; i++) System.arraycopy(rowGrad, i * hidden, dense, ids[i] * hidden, hidden);
        return step.create(dense, master.getShape());
    }

    void install() {
        text.setParameter(ClipTextEncoder.TOKEN_EMBEDDING, master);
    }

    @Override
    public void close() {
        manager.close();
    }
}
