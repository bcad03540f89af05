package dev.digitserve.image;

/**
 * The eight values of the EXIF/TIFF {@code Orientation} tag: how the stored pixels must be turned or
 * mirrored to show the picture the right way up. A phone held upright usually stores the sensor's
 * landscape pixels and tags them {@link #RIGHT_TOP} (6): "rotate 90 degrees clockwise to view".
 *
 * <p>The names say where the stored first row and first column end up when the picture is viewed:
 * {@code RIGHT_TOP} means the first row is shown as the right-hand column and the first column as the top
 * row. {@link #apply} works on a row-major single-channel picture; it is a pure function and every value
 * is safe to use from any thread.
 */
public enum Orientation {
    /** 1: stored as viewed. */
    TOP_LEFT(1),
    /** 2: mirrored left to right. */
    TOP_RIGHT(2),
    /** 3: rotated 180 degrees. */
    BOTTOM_RIGHT(3),
    /** 4: mirrored top to bottom. */
    BOTTOM_LEFT(4),
    /** 5: mirrored along the main diagonal (transposed). */
    LEFT_TOP(5),
    /** 6: needs a quarter turn clockwise to view (the usual portrait phone photo). */
    RIGHT_TOP(6),
    /** 7: mirrored along the anti-diagonal (transverse). */
    RIGHT_BOTTOM(7),
    /** 8: needs a quarter turn anticlockwise to view. */
    LEFT_BOTTOM(8);

    private final int exifValue;

    Orientation(int exifValue) {
        this.exifValue = exifValue;
    }

    /** The tag's value, 1 to 8. */
    public int exifValue() {
        return exifValue;
    }

    /**
     * The orientation of an EXIF value; anything outside 1..8 (a malformed tag) is {@link #TOP_LEFT}, as
     * viewers treat it.
     */
    public static Orientation fromExif(int value) {
        return value >= 1 && value <= 8 ? values()[value - 1] : TOP_LEFT;
    }

    /** Whether width and height swap on viewing (values 5 to 8). */
    public boolean swapsAxes() {
        return exifValue >= 5;
    }

    /**
     * The picture as viewed: a new row-major array of {@code values.length} values whose width is
     * {@code height} when {@link #swapsAxes()}, else {@code width}. {@link #TOP_LEFT} returns the same array.
     *
     * @param values row-major stored pixels, {@code width * height} of them
     */
    public float[] apply(float[] values, int width, int height) {
        if (values.length != width * height) {
            throw new IllegalArgumentException(width + "x" + height + " needs " + width * height + " values");
        }
        if (this == TOP_LEFT) {
            return values;
        }
        int viewedWidth = swapsAxes() ? height : width;
        float[] out = new float[values.length];
        for (int sy = 0, i = 0; sy < height; sy++) {
            for (int sx = 0; sx < width; sx++, i++) {
                int vx;
                int vy;
                switch (this) {
                    case TOP_RIGHT -> { vx = width - 1 - sx; vy = sy; }
                    case BOTTOM_RIGHT -> { vx = width - 1 - sx; vy = height - 1 - sy; }
                    case BOTTOM_LEFT -> { vx = sx; vy = height - 1 - sy; }
                    case LEFT_TOP -> { vx = sy; vy = sx; }
                    case RIGHT_TOP -> { vx = height - 1 - sy; vy = sx; }
                    case RIGHT_BOTTOM -> { vx = height - 1 - sy; vy = width - 1 - sx; }
                    case LEFT_BOTTOM -> { vx = sy; vy = width - 1 - sx; }
                    default -> { vx = sx; vy = sy; }
                }
                out[vy * viewedWidth + vx] = values[i];
            }
        }
        return out;
    }
}
