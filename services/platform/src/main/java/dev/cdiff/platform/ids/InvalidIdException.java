package dev.cdiff.platform.ids;

/**
 * A value that should be an id or an artifact key does not follow the grammar of {@link Ids}. An
 * {@link IllegalArgumentException}, so the event loop treats an event carrying one as a poison record: dead-lettered
 * at once, never retried.
 */
public final class InvalidIdException extends IllegalArgumentException {
    private final String field;

    public InvalidIdException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** Where the value was found, e.g. {@code MergeRequested.deltas[1].key}. */
    public String field() {
        return field;
    }
}
