package dev.digitserve.request;

/** The request contradicts the resource's current state, e.g. cancelling a finished job (409). The message is client-safe. */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
