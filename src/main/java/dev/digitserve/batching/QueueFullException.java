package dev.digitserve.batching;

/** The batcher's queue had no room for the request's images; nothing was enqueued. */
public final class QueueFullException extends BatchingException {

    private final long retryAfterSeconds;

    public QueueFullException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Estimated seconds until the queue has drained (at least 1): the value for a {@code Retry-After} header. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
