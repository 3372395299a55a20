package dev.cdiff.ingestion.validate;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a submission's images without decoding any pixels: count, byte size, format by magic bytes, pixel count and
 * minimum side from the header, duplicates by sha256. The first failing check rejects the whole submission.
 */
public final class SubmissionValidator {
    private final ImageLimits limits;

    public SubmissionValidator(ImageLimits limits) {
        this.limits = limits;
    }

    public ImageLimits limits() {
        return limits;
    }

    /** Checks the number of images only; callers that fetch images remotely run this before fetching anything. */
    public void checkCount(int count, List<String> names) throws SubmissionRejected {
        if (count < limits.minImages()) {
            throw new SubmissionRejected(RejectionReason.TOO_FEW_IMAGES,
                    count + " image" + (count == 1 ? " was" : "s were") + " submitted; a concept needs at least "
                            + limits.minImages() + " images of it", names);
        }
        if (count > limits.maxImages()) {
            throw new SubmissionRejected(RejectionReason.TOO_MANY_IMAGES,
                    count + " images were submitted; at most " + limits.maxImages() + " are accepted per concept",
                    names);
        }
    }

    /** Checks that a file of this size may be read at all (used before downloading an object). */
    public void checkSize(String name, long sizeBytes) throws SubmissionRejected {
        if (sizeBytes > limits.maxBytes()) {
            throw new SubmissionRejected(RejectionReason.IMAGE_TOO_LARGE,
                    "'" + name + "' is " + humanBytes(sizeBytes) + "; the limit is " + humanBytes(limits.maxBytes())
                            + " per image", List.of(name));
        }
        if (sizeBytes == 0) {
            throw new SubmissionRejected(RejectionReason.UNREADABLE_IMAGE, "'" + name + "' is empty", List.of(name));
        }
    }

    public List<ValidatedImage> validate(List<SubmittedImage> images) throws SubmissionRejected {
        checkCount(images.size(), images.stream().map(SubmittedImage::name).toList());
        List<ValidatedImage> validated = new ArrayList<>(images.size());
        Map<String, String> nameByDigest = new LinkedHashMap<>();
        for (SubmittedImage image : images) {
            checkSize(image.name(), image.bytes().length);
            Optional<ImageFormat> format = ImageFormat.sniff(image.bytes());
            if (format.isEmpty()) {
                throw new SubmissionRejected(RejectionReason.UNSUPPORTED_FORMAT,
                        "'" + image.name() + "' is not a JPEG, PNG or WebP image (judged by its content, not its name)",
                        List.of(image.name()));
            }
            ImageHeader header;
            try {
                header = ImageHeader.read(format.get(), image.bytes());
            } catch (IOException | RuntimeException e) {
                throw new SubmissionRejected(RejectionReason.UNREADABLE_IMAGE,
                        "'" + image.name() + "' looks like " + format.get() + " but its header cannot be read: "
                                + e.getMessage(), List.of(image.name()), e);
            }
            if (header.pixels() > limits.maxPixels()) {
                throw new SubmissionRejected(RejectionReason.IMAGE_TOO_LARGE,
                        "'" + image.name() + "' is " + header.width() + "x" + header.height() + " = "
                                + header.pixels() + " pixels; the limit is " + limits.maxPixels() + " pixels per image",
                        List.of(image.name()));
            }
            if (Math.min(header.width(), header.height()) < limits.minSide()) {
                throw new SubmissionRejected(RejectionReason.IMAGE_TOO_SMALL,
                        "'" + image.name() + "' is " + header.width() + "x" + header.height() + " pixels; each side"
                                + " must be at least " + limits.minSide() + " pixels, a smaller picture holds too little"
                                + " of the concept and is only blurred by scaling it up", List.of(image.name()));
            }
            String digest = sha256Hex(image.bytes());
            String earlier = nameByDigest.putIfAbsent(digest, image.name());
            if (earlier != null) {
                throw new SubmissionRejected(RejectionReason.DUPLICATE_IMAGE,
                        "'" + image.name() + "' is the same file as '" + earlier + "'; every image must be different",
                        List.of(earlier, image.name()));
            }
            validated.add(new ValidatedImage(image, header, digest));
        }
        return validated;
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        if (bytes < 1024 * 1024) {
            return String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
