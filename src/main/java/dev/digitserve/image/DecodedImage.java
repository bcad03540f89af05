package dev.digitserve.image;

import java.awt.image.BufferedImage;

/**
 * An uploaded image after decoding: its pixels as stored, the format recognised from its bytes, and the
 * EXIF orientation to apply to view it upright ({@link Orientation#TOP_LEFT} when it has none).
 */
public record DecodedImage(BufferedImage image, ImageFormat format, Orientation orientation) {
}
