package dev.digitserve.batching;

/**
 * Why a {@link DynamicBatcher} did not answer a request. The web layer maps each subclass to a status:
 * {@link QueueFullException} 429, {@link DeadlineExceededException} 503, {@link BatcherClosedException} 503,
 * {@link InferenceFailedException} 500.
 */
public abstract sealed class BatchingException extends RuntimeException
        permits QueueFullException, DeadlineExceededException, BatcherClosedException, InferenceFailedException {

    /** For flow-control refusals: frequent under overload, and a stack trace would say nothing about them. */
    BatchingException(String message) {
        super(message, null, false, false);
    }

    BatchingException(String message, Throwable cause) {
        super(message, cause);
    }
}
