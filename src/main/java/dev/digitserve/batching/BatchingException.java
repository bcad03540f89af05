package dev.digitserve.batching;

import java.util.Objects;

/**
 * Why a {@link DynamicBatcher} did not answer a request: one exception, its {@link Reason} says which
 * refusal or failure it was. The message is client-safe (model, version, counts, durations; never a path or
 * class name); for {@link Reason#ENGINE_FAILED} the cause is the engine's exception, for server logs only.
 *
 * <p>{@link #retryAfterSeconds()} is the batcher's advice for a {@code Retry-After} header: for a full queue
 * its estimate of how long the queue needs to drain (at least 1), 1 for a passed deadline or a shutdown, and 0
 * (no advice) for an engine failure.
 */
public final class BatchingException extends RuntimeException {

    /** The refusal or failure; {@link #tag()} is the {@code reason} label of {@code digitserve.inference.rejected}. */
    public enum Reason {
        /** The queue had no room for the request's images; nothing was enqueued. */
        QUEUE_FULL("queue_full"),
        /** The deadline passed before the answer was ready; queued images of it were never computed. */
        DEADLINE("deadline"),
        /** The batcher was shut down: it refused the request, or its grace period ended before the answer. */
        SHUTDOWN("shutdown"),
        /** The engine call for the request's batch threw; not a refusal, so it has no rejected counter. */
        ENGINE_FAILED(null);

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        /** The metric label, or null when the reason is not counted as a refusal. */
        public String tag() {
            return tag;
        }
    }

    private final Reason reason;
    private final long retryAfterSeconds;

    /** A refusal: frequent under overload, and a stack trace would say nothing about it. */
    public BatchingException(Reason reason, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** An engine failure, with the engine's exception as cause. */
    public static BatchingException engineFailed(String message, Throwable cause) {
        return new BatchingException(message, cause);
    }

    private BatchingException(String message, Throwable cause) {
        super(message, cause);
        this.reason = Reason.ENGINE_FAILED;
        this.retryAfterSeconds = 0;
    }

    public Reason reason() {
        return reason;
    }

    /** Seconds a client should wait before retrying; 0 when there is no advice. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
