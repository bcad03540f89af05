package dev.digitserve.image;

/**
 * The media types of the accepted image formats as compile-time constants, for {@code consumes} and
 * OpenAPI annotations (Spring's {@code MediaType} has no WebP, BMP or TIFF constant). The same strings
 * as {@link ImageFormat#mediaType()}; a test keeps the two in step.
 */
public final class ImageMediaTypes {
    public static final String PNG = "image/png";
    public static final String JPEG = "image/jpeg";
    public static final String WEBP = "image/webp";
    public static final String GIF = "image/gif";
    public static final String BMP = "image/bmp";
    public static final String TIFF = "image/tiff";

    private ImageMediaTypes() {
    }
}
