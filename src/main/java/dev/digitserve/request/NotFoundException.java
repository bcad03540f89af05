package dev.digitserve.request;

/** The client named a resource (a training job, a dataset) that does not exist (404). The message is client-safe. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
