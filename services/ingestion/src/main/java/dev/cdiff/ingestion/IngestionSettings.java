package dev.cdiff.ingestion;

import dev.cdiff.ingestion.validate.ImageLimits;
import dev.cdiff.platform.config.ConfigException;
import dev.cdiff.platform.config.ServiceConfig;

/**
 * Ingestion's own settings, read from the same environment/properties as {@link ServiceConfig}:
 * <ul>
 * <li>{@code INGESTION_MIN_IMAGES} (4), {@code INGESTION_MAX_IMAGES} (20), {@code INGESTION_MAX_IMAGE_BYTES}
 * (20 MiB), {@code INGESTION_MAX_IMAGE_PIXELS} (40,000,000), {@code INGESTION_IMAGE_SIDE} (512),
 * {@code INGESTION_MIN_IMAGE_SIDE} (64: smaller uploads are refused, see {@link ImageLimits})</li>
 * <li>{@code INGESTION_DEFAULT_INITIALIZER} (ktn): initializer word when a submission names none</li>
 * </ul>
 */
public record IngestionSettings(ImageLimits limits, String defaultInitializerWord) {
    public static final String MIN_IMAGES = "INGESTION_MIN_IMAGES";
    public static final String MAX_IMAGES = "INGESTION_MAX_IMAGES";
    public static final String MAX_IMAGE_BYTES = "INGESTION_MAX_IMAGE_BYTES";
    public static final String MAX_IMAGE_PIXELS = "INGESTION_MAX_IMAGE_PIXELS";
    public static final String IMAGE_SIDE = "INGESTION_IMAGE_SIDE";
    public static final String MIN_IMAGE_SIDE = "INGESTION_MIN_IMAGE_SIDE";
    public static final String DEFAULT_INITIALIZER = "INGESTION_DEFAULT_INITIALIZER";

    public static IngestionSettings from(ServiceConfig config) {
        ImageLimits d = ImageLimits.defaults();
        ImageLimits limits = new ImageLimits(
                (int) number(config, MIN_IMAGES, d.minImages()),
                (int) number(config, MAX_IMAGES, d.maxImages()),
                number(config, MAX_IMAGE_BYTES, d.maxBytes()),
                number(config, MAX_IMAGE_PIXELS, d.maxPixels()),
                (int) number(config, IMAGE_SIDE, d.outputSide()),
                (int) number(config, MIN_IMAGE_SIDE, d.minSide()));
        return new IngestionSettings(limits, config.optional(DEFAULT_INITIALIZER).orElse("ktn"));
    }

    static long number(ServiceConfig config, String name, long fallback) {
        String raw = config.optional(name).orElse(null);
        if (raw == null) {
            return fallback;
        }
        try {
            return Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be an integer, got '" + raw + "'");
        }
    }
}
