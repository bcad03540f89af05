package dev.digitserve.request;

import java.util.List;

/**
 * A request the client must fix (400). The message and the field errors are shown to the client as
 * they are, so they must never carry stack traces, class names or file paths.
 */
public class InvalidRequestException extends RuntimeException {
    private final transient List<FieldError> errors;

    public InvalidRequestException(String message, List<FieldError> errors) {
        super(message);
        this.errors = List.copyOf(errors);
    }

    public InvalidRequestException(String message) {
        this(message, List.of());
    }

    public List<FieldError> errors() {
        return errors;
    }
}
