package dev.cdiff.diffusion.io;

/** A model or scheduler configuration asks for an option this implementation does not provide. */
public class UnsupportedConfigException extends RuntimeException {
    public UnsupportedConfigException(String message) {
        super(message);
    }

    public static UnsupportedConfigException option(String component, String option, Object value) {
        return new UnsupportedConfigException(component + " config option " + option + "=" + value + " is not supported");
    }
}
