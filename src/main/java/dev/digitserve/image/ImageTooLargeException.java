package dev.digitserve.image;

import java.util.Locale;

/**
 * An image whose header announces more pixels, or a longer side, than the decoder accepts. Thrown
 * before any pixel memory is allocated; the web layer answers it with 413. The message names the
 * dimensions and the limits and is safe to return to the client.
 */
public class ImageTooLargeException extends RuntimeException {
    private final int width;
    private final int height;
    private final long maxPixels;

    public ImageTooLargeException(int width, int height, long maxPixels, int maxSide) {
        super(String.format(Locale.ROOT,
                "the image is %d x %d pixels; at most %d pixels in all and %d per side are accepted: "
                        + "send a smaller image",
                width, height, maxPixels, maxSide));
        this.width = width;
        this.height = height;
        this.maxPixels = maxPixels;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public long maxPixels() {
        return maxPixels;
    }
}
