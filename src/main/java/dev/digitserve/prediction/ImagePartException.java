package dev.digitserve.prediction;

/** An image failure inside a multipart upload, carrying which part (0-based) it was. */
public final class ImagePartException extends RuntimeException {
    private final int part;

    ImagePartException(int part, RuntimeException cause) {
        super("image part " + part + ": " + cause.getMessage(), cause);
        this.part = part;
    }

    public int part() {
        return part;
    }
}
