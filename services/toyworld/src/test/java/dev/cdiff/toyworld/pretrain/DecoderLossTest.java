package dev.cdiff.toyworld.pretrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class DecoderLossTest {
    private static final int SIZE = 8;

    @Test
    void withoutTheEdgeTermItIsThePixelL1() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(2, 3, SIZE, SIZE));
            NDArray rec = m.randomUniform(-1f, 1f, new Shape(2, 3, SIZE, SIZE));
            float l1 = rec.sub(x).abs().mean().getFloat();
            assertEquals(l1, VaePretrainer.decoderLoss(rec, x, 0).getFloat(), 1e-6f);
        }
    }

    @Test
    void aUniformColourShiftCostsNoEdgeTerm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(1, 3, SIZE, SIZE));
            NDArray rec = x.add(0.25f);
            assertEquals(0.25f, VaePretrainer.decoderLoss(rec, x, 3.0).getFloat(), 1e-6f);
        }
    }

    @Test
    void aOnePixelCheckerErrorCostsFourTimesItsSizePerUnitOfWeight() {
        // the error +a/-a alternating in x and y: every horizontal and vertical difference of it is 2a
        float a = 0.1f;
        float[] err = new float[3 * SIZE * SIZE];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < SIZE; y++) {
                for (int xx = 0; xx < SIZE; xx++) {
                    err[(c * SIZE + y) * SIZE + xx] = (xx + y) % 2 == 0 ? a : -a;
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new Shape(1, 3, SIZE, SIZE));
            NDArray rec = m.create(err, new Shape(1, 3, SIZE, SIZE));
            assertEquals(a + 0.5 * 4 * a, VaePretrainer.decoderLoss(rec, x, 0.5).getFloat(), 1e-6f);
        }
    }

    @Test
    void theObjectiveRefusesNegativeWeightsAndSharesThatCrowdOutTheTextures() {
        assertThrows(IllegalArgumentException.class, () -> new DecoderObjective(-1, 0.3, 0));
        assertThrows(IllegalArgumentException.class, () -> new DecoderObjective(Double.NaN, 0.3, 0));
        assertThrows(IllegalArgumentException.class, () -> new DecoderObjective(1, 0.8, 0));
        assertThrows(IllegalArgumentException.class, () -> new DecoderObjective(1, 0.4, 0.4));
        assertThrows(IllegalArgumentException.class, () -> new DecoderObjective(1, 0.3, -0.1));
        assertThrows(IllegalArgumentException.class, () -> new DecoderObjective(1, 0.2, 0.2, 0.31));
        assertThrows(IllegalArgumentException.class, () -> new DecoderObjective(1, 0.2, 0.2, -0.01));
        assertEquals(0.3, new DecoderObjective(1, 0.2, 0.2, 0.3).pairShare());
        assertEquals(VaePretrainer.PATTERNED_SCENE_SHARE, DecoderObjective.PIXEL_L1.patternedShare());
        assertEquals(0, DecoderObjective.PIXEL_L1.edgeWeight());
    }
}
