package dev.digitserve.image;

/**
 * A picture after MNIST-style cleaning, before any cropping: ink intensities in [0, 1] (0 = background,
 * 1 = full ink), row-major, at a working size that may be smaller than the picture as viewed.
 * {@code scale} is the number of viewed pixels per working pixel (1 or more), for reporting positions
 * in the uploaded picture's coordinates. The array is shared, not copied: treat it as read-only.
 */
public record InkPage(int width, int height, float[] ink, double scale) {
    public InkPage {
        if (width < 1 || height < 1 || ink.length != width * height) {
            throw new IllegalArgumentException("ink page of " + width + "x" + height + " needs "
                    + (long) width * height + " values, got " + ink.length);
        }
        if (!(scale >= 1)) {
            throw new IllegalArgumentException("scale must be at least 1, got " + scale);
        }
    }
}
