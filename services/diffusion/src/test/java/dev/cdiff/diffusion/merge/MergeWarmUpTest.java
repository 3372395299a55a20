package dev.cdiff.diffusion.merge;

import dev.cdiff.diffusion.golden.GoldenFolder;
import dev.cdiff.diffusion.models.UNet2DConditionModel;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeWarmUpTest {

    @Test
    void mergesOnTheServicesOwnWeightsKeepingTheConstraintsAndLeavesThemUnchanged() {
        Map<String, float[]> kv = UNet2DConditionModel.loadCrossAttentionKv(GoldenFolder.tinySd().resolve("unet"));
        Map<String, float[]> before = new HashMap<>();
        kv.forEach((k, v) -> before.put(k, v.clone()));

        double error = MergeWarmUp.run(kv, 32, 7);

        assertTrue(error >= 0 && error < 1e-3, "constraint error " + error);
        kv.forEach((k, v) -> assertArrayEquals(before.get(k), v, k));
    }

    @Test
    void refusesWeightsThatAreNotOfTheGivenWidth() {
        Map<String, float[]> kv = UNet2DConditionModel.loadCrossAttentionKv(GoldenFolder.tinySd().resolve("unet"));
        assertThrows(IllegalArgumentException.class, () -> MergeWarmUp.run(kv, 48, 7));
        assertThrows(IllegalArgumentException.class, () -> MergeWarmUp.run(Map.of(), 32, 7));
    }
}
