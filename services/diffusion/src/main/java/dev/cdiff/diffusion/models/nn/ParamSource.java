package dev.cdiff.diffusion.models.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Supplies the weights of a model while its modules are being built, either from a checkpoint
 * or freshly initialised; records every parameter under its checkpoint name.
 */
public abstract class ParamSource {
    /** How a freshly created parameter is initialised (PyTorch's defaults for Linear/Conv/norms). */
    public enum Init {
        /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)): kaiming_uniform(a=sqrt(5)) for weights, and the bias rule. */
        FAN_IN_UNIFORM,
        ONES,
        ZEROS
    }

    private final Map<String, Param> params = new LinkedHashMap<>();

    public final Param weight(String name, long fanIn, long... shape) {
        return register(name, new Shape(shape), Init.FAN_IN_UNIFORM, fanIn);
    }

    public final Param bias(String name, long fanIn, long size) {
        return register(name, new Shape(size), Init.FAN_IN_UNIFORM, fanIn);
    }

    public final Param ones(String name, long size) {
        return register(name, new Shape(size), Init.ONES, 0);
    }

    public final Param zeros(String name, long size) {
        return register(name, new Shape(size), Init.ZEROS, 0);
    }

    private Param register(String name, Shape shape, Init init, long fanIn) {
        if (params.containsKey(name)) {
            throw new IllegalStateException("parameter registered twice: " + name);
        }
        NDArray value = provide(name, shape, init, fanIn);
        if (!value.getShape().equals(shape)) {
            throw new IllegalArgumentException("weight " + name + " has shape " + value.getShape()
                    + " but the config implies " + shape);
        }
        value.setName(name);
        Param p = new Param(name, value);
        params.put(name, p);
        return p;
    }

    /** Returns an array of exactly {@code shape} (or a differently shaped one, reported as a mismatch). */
    protected abstract NDArray provide(String name, Shape shape, Init init, long fanIn);

    /** Every parameter registered so far, in registration order. */
    public final Map<String, Param> params() {
        return Collections.unmodifiableMap(params);
    }
}
