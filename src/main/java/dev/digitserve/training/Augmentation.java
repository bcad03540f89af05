package dev.digitserve.training;

import java.util.Random;

import dev.digitserve.inference.Images;

/**
 * Artificial data: distorted copies of 28x28 training images, drawn afresh for every batch of every epoch. Each
 * image is rotated by up to ±{@code rotationDegrees}, scaled by a factor in [{@code scaleMin}, {@code scaleMax}]
 * (both about its centre of mass, so neither moves the digit), shifted by up to ±{@code shiftPixels} in x and y,
 * and then, when {@code elasticAlpha} > 0, elastically distorted the way Simard et al. (2003) describe: a random
 * displacement field in [-1, 1] per pixel, smoothed with a Gaussian of {@code elasticSigma} pixels and scaled by
 * {@code elasticAlpha}. Sampling is bilinear, outside the image is background (0).
 *
 * <p>A record of options (all zero = off, the default, see {@link #NONE}); {@link #augment} is deterministic for a
 * given {@link Random}, so a seeded run repeats. Not thread-safe in use only through the caller's {@code Random}.
 *
 * @param rotationDegrees largest rotation either way, 0..45
 * @param shiftPixels     largest shift either way in pixels, 0..6
 * @param scaleMin        smallest scale factor, 0.5..1
 * @param scaleMax        largest scale factor, 1..1.5
 * @param elasticAlpha    strength of the elastic distortion in pixels (0 = none), 0..40
 * @param elasticSigma    smoothness of the elastic field in pixels, > 0 when alpha > 0
 */
public record Augmentation(double rotationDegrees, double shiftPixels, double scaleMin, double scaleMax,
                           double elasticAlpha, double elasticSigma) {
    private static final int SIDE = Images.SIDE;
    private static final int PIXELS = Images.PIXELS;

    /** No augmentation: the images are used as they are. */
    public static final Augmentation NONE = new Augmentation(0, 0, 1, 1, 0, 0);

    public Augmentation {
        check(rotationDegrees >= 0 && rotationDegrees <= 45, "rotation-degrees must be in [0, 45]");
        check(shiftPixels >= 0 && shiftPixels <= 6, "shift-pixels must be in [0, 6]");
        check(scaleMin >= 0.5 && scaleMin <= 1, "scale-min must be in [0.5, 1]");
        check(scaleMax >= 1 && scaleMax <= 1.5, "scale-max must be in [1, 1.5]");
        check(elasticAlpha >= 0 && elasticAlpha <= 40, "elastic-alpha must be in [0, 40]");
        check(elasticAlpha == 0 || elasticSigma > 0 && elasticSigma <= 10, "elastic-sigma must be in (0, 10]");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public boolean enabled() {
        return rotationDegrees > 0 || shiftPixels > 0 || scaleMin < 1 || scaleMax > 1 || elasticAlpha > 0;
    }

    /** Replaces each of the {@code count} images in {@code pixels} by a distorted copy. */
    public void augment(float[] pixels, int count, Random random) {
        float[] out = new float[PIXELS];
        for (int i = 0; i < count; i++) {
            int offset = i * PIXELS;
            double angle = Math.toRadians(uniform(random, -rotationDegrees, rotationDegrees));
            double scale = uniform(random, scaleMin, scaleMax);
            double dx = uniform(random, -shiftPixels, shiftPixels);
            double dy = uniform(random, -shiftPixels, shiftPixels);
            affine(pixels, offset, out, angle, scale, dx, dy);
            if (elasticAlpha > 0) {
                float[] warped = elastic(out, random, elasticAlpha, elasticSigma);
                System.arraycopy(warped, 0, pixels, offset, PIXELS);
            } else {
                System.arraycopy(out, 0, pixels, offset, PIXELS);
            }
        }
    }

    private static double uniform(Random random, double low, double high) {
        return low == high ? low : low + (high - low) * random.nextDouble();
    }

    /**
     * Rotates by {@code angle} and scales by {@code scale} about the image's centre of mass, then shifts by
     * ({@code dx}, {@code dy}); written into {@code out}. Each output pixel samples the source at the inverse map.
     */
    static void affine(float[] source, int offset, float[] out, double angle, double scale, double dx, double dy) {
        double[] centre = centreOfMass(source, offset);
        double cos = Math.cos(angle) / scale;
        double sin = Math.sin(angle) / scale;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double u = x - dx - centre[0];
                double v = y - dy - centre[1];
                double sx = cos * u + sin * v + centre[0];
                double sy = -sin * u + cos * v + centre[1];
                out[y * SIDE + x] = sample(source, offset, sx, sy);
            }
        }
    }

    /** Simard's elastic distortion of one image. */
    static float[] elastic(float[] image, Random random, double alpha, double sigma) {
        double[] fx = new double[PIXELS];
        double[] fy = new double[PIXELS];
        for (int p = 0; p < PIXELS; p++) {
            fx[p] = random.nextDouble() * 2 - 1;
            fy[p] = random.nextDouble() * 2 - 1;
        }
        double[] kernel = gaussian(sigma);
        fx = smooth(fx, kernel);
        fy = smooth(fy, kernel);
        float[] out = new float[PIXELS];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int p = y * SIDE + x;
                out[p] = sample(image, 0, x + alpha * fx[p], y + alpha * fy[p]);
            }
        }
        return out;
    }

    /** Bilinear interpolation; outside the image is 0. */
    private static float sample(float[] image, int offset, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        double value = (1 - fx) * (1 - fy) * at(image, offset, x0, y0) + fx * (1 - fy) * at(image, offset, x0 + 1, y0)
                + (1 - fx) * fy * at(image, offset, x0, y0 + 1) + fx * fy * at(image, offset, x0 + 1, y0 + 1);
        return (float) value;
    }

    private static float at(float[] image, int offset, int x, int y) {
        return x < 0 || y < 0 || x >= SIDE || y >= SIDE ? 0f : image[offset + y * SIDE + x];
    }

    /** (x, y) of the intensity's centre of mass; the image centre for a blank image. */
    static double[] centreOfMass(float[] image, int offset) {
        double total = 0;
        double sx = 0;
        double sy = 0;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double v = image[offset + y * SIDE + x];
                total += v;
                sx += v * x;
                sy += v * y;
            }
        }
        return total == 0 ? new double[] {(SIDE - 1) / 2.0, (SIDE - 1) / 2.0} : new double[] {sx / total, sy / total};
    }

    private static double[] gaussian(double sigma) {
        int radius = (int) Math.ceil(3 * sigma);
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            kernel[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += kernel[i + radius];
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= sum;
        }
        return kernel;
    }

    /** Separable Gaussian smoothing of a 28x28 field; outside the field counts as 0. */
    private static double[] smooth(double[] field, double[] kernel) {
        int radius = kernel.length / 2;
        double[] rows = new double[PIXELS];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double sum = 0;
                for (int k = -radius; k <= radius; k++) {
                    int xx = x + k;
                    if (xx >= 0 && xx < SIDE) {
                        sum += kernel[k + radius] * field[y * SIDE + xx];
                    }
                }
                rows[y * SIDE + x] = sum;
            }
        }
        double[] out = new double[PIXELS];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double sum = 0;
                for (int k = -radius; k <= radius; k++) {
                    int yy = y + k;
                    if (yy >= 0 && yy < SIDE) {
                        sum += kernel[k + radius] * rows[yy * SIDE + x];
                    }
                }
                out[y * SIDE + x] = sum;
            }
        }
        return out;
    }
}
