package dev.cdiff.diffusion;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DjlSmokeTest {
    @Test
    void autogradThroughMatmul() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            w.setRequiresGradient(true);
            NDArray x = m.create(new float[] {1, 1}, new ai.djl.ndarray.types.Shape(1, 2));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = x.matMul(w).sum();
                gc.backward(y);
            }
            assertEquals(1f, w.getGradient().toFloatArray()[0]);
            System.out.println("engine=" + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        }
    }
}
