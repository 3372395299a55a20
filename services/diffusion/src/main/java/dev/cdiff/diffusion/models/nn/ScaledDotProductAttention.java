package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

import java.util.ArrayList;
import java.util.List;

/** softmax(q k^T / sqrt(d)) v over heads, sliced when the score matrix would be large. */
public final class ScaledDotProductAttention {
    private ScaledDotProductAttention() {
    }

    /**
     * @param q [B, N, heads*d]
     * @param k [B, M, heads*d]
     * @param v [B, M, heads*d]
     * @return [B, N, heads*d]
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, int heads, long maxScoreElements) {
        long b = q.getShape().get(0);
        long n = q.getShape().get(1);
        long inner = q.getShape().get(2);
        long m = k.getShape().get(1);
        long d = inner / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        try (NDArray qh = splitHeads(q, b, n, heads, d);
             NDArray qs = Ops.scale(qh, scale);
             NDArray kh = splitHeads(k, b, m, heads, d);
             NDArray kt = kh.transpose(0, 2, 1);
             NDArray vh = splitHeads(v, b, m, heads, d)) {
            long bh = b * heads;
            long perSlice = Math.max(1, maxScoreElements / Math.max(1, n * m));
            NDArray out;
            if (perSlice >= bh) {
                out = attendSlice(qs, kt, vh);
            } else {
                List<NDArray> parts = new ArrayList<>();
                try {
                    for (long s = 0; s < bh; s += perSlice) {
                        long e = Math.min(bh, s + perSlice);
                        try (NDArray qi = qs.get(new NDIndex("{}:{}", s, e));
                             NDArray ki = kt.get(new NDIndex("{}:{}", s, e));
                             NDArray vi = vh.get(new NDIndex("{}:{}", s, e))) {
                            parts.add(attendSlice(qi, ki, vi));
                        }
                    }
                    out = NDArrays.concat(new NDList(parts), 0);
                } finally {
                    parts.forEach(NDArray::close);
                }
            }
            try (NDArray o = out;
                 NDArray o4 = o.reshape(b, heads, n, d);
                 NDArray ot = o4.transpose(0, 2, 1, 3)) {
                return ot.reshape(b, n, inner);
            }
        }
    }

    private static NDArray attendSlice(NDArray q, NDArray kt, NDArray v) {
        // Batched 3-D products: torch.bmm is markedly faster than the generic matmul path here.
        try (NDArray scores = q.batchMatMul(kt);
             NDArray probs = scores.softmax(2)) {
            return probs.batchMatMul(v);
        }
    }

    /** [B, L, heads*d] -> [B*heads, L, d]. */
    private static NDArray splitHeads(NDArray x, long b, long len, int heads, long d) {
        try (NDArray x4 = x.reshape(b, len, heads, d);
             NDArray t = x4.transpose(0, 2, 1, 3)) {
            return t.reshape(b * heads, len, d);
        }
    }
}
