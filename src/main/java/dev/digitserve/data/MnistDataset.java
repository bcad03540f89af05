package dev.digitserve.data;

import dev.digitserve.inference.Images;

/**
 * One MNIST split held as raw bytes: {@code count} images of 28x28 unsigned bytes (row-major,
 * 0 = background) and their labels 0..9. Kept as bytes (47 MB for the training set) and converted to
 * floats in [0, 1] only where a consumer needs them.
 */
public record MnistDataset(int count, byte[] pixels, byte[] labels) {
    /** Bytes per image: MNIST's geometry is the serving input's, {@link Images#PIXELS}. */
    public static final int PIXELS = Images.PIXELS;
    public static final int CLASSES = 10;

    public MnistDataset {
        if (pixels.length != (long) count * PIXELS || labels.length != count) {
            throw new IllegalArgumentException("dataset of " + count + " images needs " + count * PIXELS
                    + " pixels and " + count + " labels, got " + pixels.length + " and " + labels.length);
        }
    }

    public int label(int index) {
        return labels[index];
    }

    /** Pixel intensity in [0, 1], scaled the way every model here was trained. */
    public float pixel(int image, int offset) {
        return (pixels[image * PIXELS + offset] & 0xff) / 255f;
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive) as one row-major float block. */
    public float[] floats(int from, int to) {
        float[] out = new float[(to - from) * PIXELS];
        for (int i = 0, p = from * PIXELS; i < out.length; i++, p++) {
            out[i] = (pixels[p] & 0xff) / 255f;
        }
        return out;
    }

    /** One image's pixels as floats in [0, 1], written into {@code out} from {@code offset}. */
    public void floatsInto(int image, float[] out, int offset) {
        for (int i = 0, p = image * PIXELS; i < PIXELS; i++, p++) {
            out[offset + i] = (pixels[p] & 0xff) / 255f;
        }
    }

    /** The first {@code n} images, or all of them if {@code n} is larger. */
    public MnistDataset head(int n) {
        int k = Math.min(n, count);
        byte[] p = new byte[k * PIXELS];
        System.arraycopy(pixels, 0, p, 0, p.length);
        byte[] l = new byte[k];
        System.arraycopy(labels, 0, l, 0, k);
        return new MnistDataset(k, p, l);
    }
}
