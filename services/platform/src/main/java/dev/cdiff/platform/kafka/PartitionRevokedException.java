package dev.cdiff.platform.kafka;

/**
 * Thrown by a handler that stopped because its record's partition was revoked (see
 * {@link EventLoop.Builder#onPartitionsRevoked}): the loop neither retries nor commits the record; whoever owns the
 * partition after the rebalance (possibly this loop again) processes it afresh from its committed offset.
 */
public class PartitionRevokedException extends RuntimeException {
    public PartitionRevokedException(String message) {
        super(message);
    }
}
