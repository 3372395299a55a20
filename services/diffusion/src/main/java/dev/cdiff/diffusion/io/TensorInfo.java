package dev.cdiff.diffusion.io;

/** One tensor's header entry in a safetensors file; offsets are relative to the start of the data section. */
public record TensorInfo(String dtype, long[] shape, long begin, long end) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public boolean isFloating() {
        return dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16") || dtype.equals("F64");
    }
}
