package dev.digitserve.support;

import java.awt.image.BufferedImage;
import java.util.Random;


import dev.digitserve.data.MnistDataset;

/**
 * Photo-like pictures of real MNIST digits, as a phone would take them of ink on paper: paper tint with a
 * lighting gradient (one side up to 45% darker), blue or black ink, a slight rotation (up to 6 degrees),
 * blur, sensor noise, then JPEG at quality 0.6. Deterministic for a given {@link Random}.
 */
public final class PhotoLikeImages {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private PhotoLikeImages() {
    }

    /** A picture of a number: the image and the digits it shows, left to right. */
    public record Number(BufferedImage image, String text, int touching) {
    }

    /** One digit, about 150 to 230 pixels tall, on a 320 x 320 sheet. */
    public static BufferedImage digit(MnistDataset data, int index, Random random) {
        double scale = 7.5 + 4 * random.nextDouble();
        int side = 320;
        float[] ink = new float[side * side];
        double offset = (side - 28 * scale) / 2;
        place(ink, side, side, data, index, offset + random.nextGaussian() * 8, offset + random.nextGaussian() * 8, scale);
        return photo(ink, side, side, random);
    }

    /**
     * {@code indices.length} digits in a row at random spacing: a quarter of the gaps are closed so
     * that the neighbours' boxes touch or overlap by up to 6% of a digit, the rest open by 5% to 50%.
     */
    public static Number number(MnistDataset data, int[] indices, Random random) {
        double scale = 3 + 2 * random.nextDouble();
        double digit = 20 * scale;
        int[][] columns = new int[indices.length][];
        double width = 0;
        double[] gaps = new double[indices.length];
        int touching = 0;
        for (int i = 0; i < indices.length; i++) {
            columns[i] = inkColumns(data, indices[i]);
            if (i > 0) {
                boolean touch = random.nextDouble() < 0.25;
                gaps[i] = touch ? -0.06 * digit * random.nextDouble() : digit * (0.05 + 0.45 * random.nextDouble());
                touching += touch ? 1 : 0;
            }
            width += (columns[i][1] - columns[i][0] + 1) * scale + gaps[i];
        }
        int margin = 40 + random.nextInt(40);
        int w = (int) Math.ceil(width) + 2 * margin;
        int h = (int) Math.ceil(28 * scale) + 2 * margin;
        float[] ink = new float[w * h];
        StringBuilder text = new StringBuilder();
        double x = margin;
        for (int i = 0; i < indices.length; i++) {
            x += gaps[i];
            double y = margin + random.nextGaussian() * 0.04 * digit;
            place(ink, w, h, data, indices[i], x - columns[i][0] * scale, y, scale);
            x += (columns[i][1] - columns[i][0] + 1) * scale;
            text.append(data.label(indices[i]));
        }
        return new Number(photo(ink, w, h, random), text.toString(), touching);
    }

    /**
     * The seeded set of numbers that bench/photos.sh reports on and PhotoUploadsIT checks: {@code count}
     * numbers of 2 to 8 random test digits each, drawn with {@link #number} from one {@code Random(seed)}.
     */
    public static java.util.List<Number> numbers(MnistDataset data, long seed, int count) {
        Random random = new Random(seed);
        java.util.List<Number> numbers = new java.util.ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            int length = 2 + random.nextInt(7);
            int[] indices = new int[length];
            for (int i = 0; i < length; i++) {
                indices[i] = random.nextInt(data.count());
            }
            numbers.add(number(data, indices, random));
        }
        return numbers;
    }

    /** First and last column of a digit with ink above 0.1. */
    private static int[] inkColumns(MnistDataset data, int index) {
        int first = 27;
        int last = 0;
        for (int p = 0; p < MnistDataset.PIXELS; p++) {
            if (data.pixel(index, p) > 0.1f) {
                first = Math.min(first, p % 28);
                last = Math.max(last, p % 28);
            }
        }
        return new int[] {first, last};
    }

    /** Adds a digit, enlarged bilinearly by {@code scale} with its top-left corner at (x, y), to the ink map (max). */
    private static void place(float[] ink, int w, int h, MnistDataset data, int index, double x, double y, double scale) {
        int size = (int) Math.ceil(28 * scale);
        for (int py = Math.max(0, (int) y); py < Math.min(h, (int) y + size + 1); py++) {
            for (int px = Math.max(0, (int) x); px < Math.min(w, (int) x + size + 1); px++) {
                float v = sample(data, index, (px + 0.5 - x) / scale - 0.5, (py + 0.5 - y) / scale - 0.5);
                int i = py * w + px;
                ink[i] = Math.max(ink[i], v);
            }
        }
    }

    private static float sample(MnistDataset data, int index, double u, double v) {
        int u0 = (int) Math.floor(u);
        int v0 = (int) Math.floor(v);
        double fu = u - u0;
        double fv = v - v0;
        return (float) ((1 - fv) * ((1 - fu) * at(data, index, u0, v0) + fu * at(data, index, u0 + 1, v0))
                + fv * ((1 - fu) * at(data, index, u0, v0 + 1) + fu * at(data, index, u0 + 1, v0 + 1)));
    }

    private static float at(MnistDataset data, int index, int u, int v) {
        return u < 0 || v < 0 || u >= 28 || v >= 28 ? 0 : data.pixel(index, v * 28 + u);
    }

    /** Rotation, paper, light, ink colour, blur and noise around an ink map. */
    private static BufferedImage photo(float[] ink, int w, int h, Random random) {
        double angle = Math.toRadians((random.nextDouble() * 2 - 1) * 6);
        float[] rotated = rotate(ink, w, h, angle);
        boolean blue = random.nextBoolean();
        double[] inkColour = blue ? new double[] {35, 45, 150} : new double[] {28, 28, 32};
        double[] paper = {235 + 15 * random.nextDouble(), 230 + 15 * random.nextDouble(), 215 + 20 * random.nextDouble()};
        double direction = random.nextDouble() * 2 * Math.PI;
        double dx = Math.cos(direction);
        double dy = Math.sin(direction);
        double darkest = 0.55 + 0.25 * random.nextDouble();
        double reach = Math.abs(dx) * w + Math.abs(dy) * h;
        double base = Math.min(0, dx * w) + Math.min(0, dy * h);
        float[][] rgb = new float[3][w * h];
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++, i++) {
                double t = (dx * x + dy * y - base) / reach;
                double light = 1 - (1 - darkest) * t;
                double a = Math.min(1, rotated[i] * 1.15);
                for (int c = 0; c < 3; c++) {
                    rgb[c][i] = (float) (light * (paper[c] * (1 - a) + inkColour[c] * a));
                }
            }
        }
        int radius = 1 + random.nextInt(2);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        float[][] blurred = new float[3][];
        for (int c = 0; c < 3; c++) {
            blurred[c] = boxBlur(boxBlur(rgb[c], w, h, radius), w, h, radius);
        }
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++, i++) {
                double noise = random.nextGaussian() * 3;
                int r = clamp(blurred[0][i] + noise + random.nextGaussian());
                int g = clamp(blurred[1][i] + noise + random.nextGaussian());
                int b = clamp(blurred[2][i] + noise + random.nextGaussian());
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return image;
    }

    private static float[] rotate(float[] ink, int w, int h, double angle) {
        float[] out = new float[ink.length];
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double cx = w / 2.0;
        double cy = h / 2.0;
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++, i++) {
                double sx = cos * (x - cx) + sin * (y - cy) + cx;
                double sy = -sin * (x - cx) + cos * (y - cy) + cy;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double fx = sx - x0;
                double fy = sy - y0;
                out[i] = (float) ((1 - fy) * ((1 - fx) * get(ink, w, h, x0, y0) + fx * get(ink, w, h, x0 + 1, y0))
                        + fy * ((1 - fx) * get(ink, w, h, x0, y0 + 1) + fx * get(ink, w, h, x0 + 1, y0 + 1)));
            }
        }
        return out;
    }

    private static float get(float[] values, int w, int h, int x, int y) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0 : values[y * w + x];
    }

    private static float[] boxBlur(float[] in, int w, int h, int r) {
        float[] tmp = new float[in.length];
        float[] out = new float[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float sum = 0;
                int n = 0;
                for (int k = Math.max(0, x - r); k <= Math.min(w - 1, x + r); k++, n++) {
                    sum += in[y * w + k];
                }
                tmp[y * w + x] = sum / n;
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float sum = 0;
                int n = 0;
                for (int k = Math.max(0, y - r); k <= Math.min(h - 1, y + r); k++, n++) {
                    sum += tmp[k * w + x];
                }
                out[y * w + x] = sum / n;
            }
        }
        return out;
    }

    private static int clamp(double value) {
        return (int) Math.max(0, Math.min(255, Math.round(value)));
    }

    /** Baseline JPEG at the given quality (0.6 is what the issue measured with). */
    public static byte[] jpeg(BufferedImage image, float quality) {
        return TestImages.jpeg(image, quality);
    }
}
