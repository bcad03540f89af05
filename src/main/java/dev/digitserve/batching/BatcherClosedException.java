package dev.digitserve.batching;

/** The batcher was shut down: it refused the request, or its grace period ended before the request was answered. */
public final class BatcherClosedException extends BatchingException {

    public BatcherClosedException(String message) {
        super(message);
    }
}
