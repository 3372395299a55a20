package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * One named model weight. Modules read {@link #get()} on every forward, so replacing the value
 * (e.g. a fine-tuned copy that requires gradients) takes effect immediately.
 */
public final class Param {
    private final String name;
    private final Shape shape;
    private NDArray value;

    Param(String name, NDArray value) {
        this.name = name;
        this.shape = value.getShape();
        this.value = value;
    }

    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    public NDArray get() {
        return value;
    }

    /** Replaces the array this parameter uses; the caller keeps ownership of {@code newValue}. */
    public void set(NDArray newValue) {
        if (!newValue.getShape().equals(shape)) {
            throw new IllegalArgumentException("parameter " + name + " has shape " + shape
                    + ", cannot assign an array of shape " + newValue.getShape());
        }
        if (newValue.getDataType() != value.getDataType()) {
            throw new IllegalArgumentException("parameter " + name + " is " + value.getDataType()
                    + ", cannot assign " + newValue.getDataType());
        }
        this.value = newValue;
    }
}
