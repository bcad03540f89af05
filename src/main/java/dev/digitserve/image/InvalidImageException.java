package dev.digitserve.image;

/**
 * An uploaded image that cannot be used: empty, not PNG or JPEG, truncated, corrupt, or without a digit
 * (see {@link NoDigitFoundException}). The web layer answers it with 400.
 *
 * <p>The message is written for the client and is safe to return verbatim: it never contains a stack
 * trace, class name, file path or the decoder's own wording. The cause, when there is one, is the
 * decoder's exception and is meant for server logs only.
 */
public class InvalidImageException extends RuntimeException {
    public InvalidImageException(String message) {
        super(message);
    }

    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
