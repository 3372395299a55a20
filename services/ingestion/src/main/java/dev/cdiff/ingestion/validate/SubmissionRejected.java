package dev.cdiff.ingestion.validate;

import java.util.List;

/** A submission failed a check; carries the reason a person reads and the files it is about. */
public class SubmissionRejected extends Exception {
    private final RejectionReason reason;
    private final List<String> offendingItems;

    public SubmissionRejected(RejectionReason reason, String message, List<String> offendingItems) {
        super(message);
        this.reason = reason;
        this.offendingItems = List.copyOf(offendingItems);
    }

    public SubmissionRejected(RejectionReason reason, String message, List<String> offendingItems, Throwable cause) {
        this(reason, message, offendingItems);
        initCause(cause);
    }

    public RejectionReason reason() {
        return reason;
    }

    public List<String> offendingItems() {
        return offendingItems;
    }
}
