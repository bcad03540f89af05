package dev.digitserve.inference;

import java.util.Objects;

/**
 * A batch of MNIST-shaped images as every API hands it to a model: {@code count} images of
 * {@value #SIDE} x {@value #SIDE} pixels, one row-major block of {@code count * }{@value #PIXELS} floats in
 * [0, 1] with 0 = background. The only place the input geometry is defined.
 *
 * <p>The array is shared, not copied: whoever builds an {@code Images} hands the array over and must not
 * change it afterwards.
 */
public record Images(float[] pixels, int count) {
    /** Width and height of one image. */
    public static final int SIDE = 28;
    /** Floats per image. */
    public static final int PIXELS = SIDE * SIDE;

    public Images {
        Objects.requireNonNull(pixels, "pixels");
        if (count < 1 || pixels.length != count * PIXELS) {
            throw new IllegalArgumentException("expected count >= 1 and count * " + PIXELS + " pixels, got count "
                    + count + " and " + pixels.length + " pixels");
        }
    }

    /** One image. */
    public static Images of(float[] image) {
        return new Images(image, 1);
    }
}
