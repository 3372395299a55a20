package dev.cdiff.diffusion.delta;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pins the ranks of the two truncation measures on known spectra. The reference figures were computed with
 * torch.linalg.svdvals on diag(spectrum) and the rule of adobe-research/custom-diffusion src/compress.py (running
 * share of the sum of singular values, keep the values before the first strict crossing): spectrum 4,3,2,1 at 0.6
 * gives rank 1; 2,1,1 at 0.75 gives rank 2.
 */
class LowRankReferenceRatioTest {
    private static final String K = "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight";

    private static double[] squared(double... sigma) {
        double[] out = new double[sigma.length];
        for (int i = 0; i < sigma.length; i++) {
            out[i] = sigma[i] * sigma[i];
        }
        return out;
    }

    @Test
    void sameNumberGivesReferenceRankOneAndSquaredEnergyRankTwoOnSpectrum4321() {
        double[] spectrum = squared(4, 3, 2, 1);
        // Σσ shares 0.4, 0.7: crossing at the second value, the reference keeps the first only
        assertEquals(1, LowRankDelta.chooseRank(spectrum, LowRankDelta.Policy.referenceRatio(0.6)));
        // Σσ² shares 16/30, 25/30: two values reach 0.6
        assertEquals(2, LowRankDelta.chooseRank(spectrum, LowRankDelta.Policy.energy(0.6)));
    }

    @Test
    void shareLandingExactlyOnTheRatioIsNotACrossing() {
        // shares 0.5, 0.75, 1.0 are exact in binary: 0.75 is reached at the second value but only passed at the third
        assertEquals(2, LowRankDelta.chooseRank(squared(2, 1, 1), LowRankDelta.Policy.referenceRatio(0.75)));
        assertEquals(1, LowRankDelta.chooseRank(squared(2, 1, 1), LowRankDelta.Policy.referenceRatio(0.5 - 1e-9)));
    }

    @Test
    void dominantFirstValueKeepsOneDirectionWhereTheReferenceWouldKeepNone() {
        assertEquals(1, LowRankDelta.chooseRank(squared(10, 1), LowRankDelta.Policy.referenceRatio(0.6)));
    }

    @Test
    void compressingALayerWithSpectrum4321GivesThePinnedRanksAndRecordsTheMeasure() {
        int rows = 6;
        int cols = 4;
        float[] base = new float[rows * cols];
        float[] w = new float[rows * cols];
        double[] sigma = {1, 3, 4, 2};
        for (int i = 0; i < cols; i++) {
            base[i * cols + i] = 0.5f;
            w[i * cols + i] = 0.5f + (float) sigma[i];
        }
        Map<String, LayerWeight> layers = new TreeMap<>();
        layers.put(K, new LayerWeight.Full(rows, cols, w));
        Delta d = new Delta(layers, Map.of(), DeltaMetadata.of(DeltaKind.FULL, "abc", List.of(), null, 1L));
        Delta ref = LowRankDelta.compress(d, k -> base, LowRankDelta.Policy.referenceRatio(0.6));
        Delta sq = LowRankDelta.compress(d, k -> base, LowRankDelta.Policy.energy(0.6));
        assertEquals(1, ((LayerWeight.Factored) ref.layers().get(K)).rank());
        assertEquals(2, ((LayerWeight.Factored) sq.layers().get(K)).rank());
        assertEquals("singular_values", ref.metadata().extra().get("lowrank_measure"));
        assertEquals("squared_singular_values", sq.metadata().extra().get("lowrank_measure"));
        // the kept direction is the largest one (sigma 4 on the third diagonal entry); the others fall back to base
        float[] kept = ref.materialize(k -> base).get(K);
        assertEquals(4.5f, kept[2 * cols + 2], 1e-5f);
        assertEquals(0.5f, kept[1 * cols + 1], 1e-5f);
    }
}
