package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cdiff.diffusion.io.WeightMap;

import java.util.ArrayList;
import java.util.List;

/** Parameters taken from a loaded checkpoint; {@link #unused()} lists weights no module asked for. */
public final class CheckpointParams extends ParamSource {
    private final WeightMap weights;

    public CheckpointParams(WeightMap weights) {
        this.weights = weights;
    }

    @Override
    protected NDArray provide(String name, Shape shape, Init init, long fanIn) {
        NDArray a = weights.take(name);
        if (a.getDataType() != DataType.FLOAT32) {
            NDArray f = a.toType(DataType.FLOAT32, false);
            a.close();
            a = f;
        }
        Shape s = a.getShape();
        // Some converted checkpoints store Linear weights as 1x1 convolutions and vice versa.
        if (!s.equals(shape) && s.size() == shape.size() && squeezable(s, shape)) {
            // A view of an array created from a Java buffer must not outlive that array (the buffer
            // may be freed), so keep an independent copy rather than the view.
            try (NDArray original = a; NDArray view = original.reshape(shape)) {
                a = view.duplicate();
            }
        }
        return a;
    }

    private static boolean squeezable(Shape actual, Shape wanted) {
        Shape longer = actual.dimension() > wanted.dimension() ? actual : wanted;
        Shape shorter = longer == actual ? wanted : actual;
        if (shorter.dimension() != 2 || longer.dimension() != 4) {
            return false;
        }
        return longer.get(0) == shorter.get(0) && longer.get(1) == shorter.get(1)
                && longer.get(2) == 1 && longer.get(3) == 1;
    }

    public List<String> unused() {
        return new ArrayList<>(weights.names());
    }
}
