package dev.digitserve.batching;

/** The engine call for the request's batch threw; the cause is the engine's exception. */
public final class InferenceFailedException extends BatchingException {

    public InferenceFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
