package dev.cdiff.ingestion.validate;

/** Machine-readable reason codes of a ConceptRejected event. */
public enum RejectionReason {
    TOO_FEW_IMAGES,
    TOO_MANY_IMAGES,
    UNSUPPORTED_FORMAT,
    IMAGE_TOO_LARGE,
    /** Width or height below the minimum side. */
    IMAGE_TOO_SMALL,
    DUPLICATE_IMAGE,
    MISSING_CLASS_WORD,
    /** A class word is present but is not a plain word or short phrase (e.g. contains markup or is too long). */
    INVALID_CLASS_WORD,
    /** Concept name missing or not a plain name. */
    INVALID_CONCEPT_NAME,
    /** Captions given but not one per image, or one is too long. */
    INVALID_CAPTIONS,
    UNREADABLE_IMAGE,
    /** The file ends, or its data breaks off, before the picture does: decoding would invent the missing part. */
    TRUNCATED_IMAGE,
    SOURCE_NOT_FOUND,
    /** An IngestionRequested names another bucket, or a key outside the tenant's own prefix; nothing was read. */
    FOREIGN_SOURCE,
    UNAUTHORIZED,
    /** A joint request names more concepts than one run may learn. */
    TOO_MANY_CONCEPTS,
    /** A modifier token outside the grammar, or one two concepts of a joint request share. */
    INVALID_MODIFIER_TOKEN,
    /** Two concepts of a joint request are the same images of the same class. */
    DUPLICATE_CONCEPT
}
