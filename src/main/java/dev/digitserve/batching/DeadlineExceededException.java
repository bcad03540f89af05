package dev.digitserve.batching;

/** The request's deadline passed before its answer was ready; queued images of it were never computed. */
public final class DeadlineExceededException extends BatchingException {

    public DeadlineExceededException(String message) {
        super(message);
    }
}
