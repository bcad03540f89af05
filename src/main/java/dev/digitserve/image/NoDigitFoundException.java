package dev.digitserve.image;

/**
 * A well-formed image in which preprocessing found nothing that stands out from the background: a
 * uniform picture, or one whose only contrast is at the level of noise. A 400 like every other
 * {@link InvalidImageException}; a separate type so that the web layer or a client can tell "your file
 * is fine but empty" from "your file is broken".
 */
public class NoDigitFoundException extends InvalidImageException {
    public NoDigitFoundException(String message) {
        super(message);
    }
}
