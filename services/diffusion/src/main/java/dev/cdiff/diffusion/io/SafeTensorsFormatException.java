package dev.cdiff.diffusion.io;

/** A safetensors file is malformed or uses a feature this reader does not support. */
public class SafeTensorsFormatException extends RuntimeException {
    public SafeTensorsFormatException(String message) {
        super(message);
    }
}
