package dev.digitserve.image;

/**
 * An upload in a format that digitserve recognises but does not decode (HEIC, AVIF, ...), or declared with
 * a media type that names no accepted image format. The web layer answers it with 415; the message names
 * the type and the accepted ones and is safe to return to the client.
 */
public class UnsupportedImageTypeException extends RuntimeException {
    private final String type;

    private UnsupportedImageTypeException(String type, String message) {
        super(message);
        this.type = type;
    }

    /** The client declared {@code mediaType} (a part's Content-Type, say), which is no accepted format. */
    public static UnsupportedImageTypeException declared(String mediaType) {
        return new UnsupportedImageTypeException(mediaType,
                "the content type " + mediaType + " is not supported: send one of " + ImageFormat.acceptedMediaTypes());
    }

    /** The data itself is a {@code format} image, which is recognised but not decoded. */
    public static UnsupportedImageTypeException detected(ImageFormat format) {
        return new UnsupportedImageTypeException(format.mediaType(), "the data is a " + format.displayName()
                + " file (" + format.mediaType() + "), which is not supported: send one of "
                + ImageFormat.acceptedMediaTypes());
    }

    /** The unsupported media type, declared or recognised. */
    public String type() {
        return type;
    }
}
