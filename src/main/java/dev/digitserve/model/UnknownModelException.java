package dev.digitserve.model;

/** The client named a model or version that is not served here (404). The message is client-safe. */
public class UnknownModelException extends RuntimeException {
    public UnknownModelException(String message) {
        super(message);
    }
}
