package dev.digitserve.support;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Random;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import dev.digitserve.inference.Images;

/** Pictures drawn and encoded in tests, and measures on 28 x 28 outputs. Shapes only, no fonts. */
public final class TestImages {
    static {
        // Spring Boot sets this for the application; tests that touch AWT run without a display too.
        System.setProperty("java.awt.headless", "true");
    }

    private TestImages() {
    }

    /**
     * {@code count} seeded pseudo-random MNIST-shaped images, row-major: about a fifth of the pixels inked with a
     * random intensity, the rest 0. For engine tests that need inputs every weight acts on, not real digits.
     */
    public static float[] sparsePixels(int count, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[count * Images.PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat() < 0.2f ? random.nextFloat() : 0f;
        }
        return pixels;
    }

    /** A "7" with round, anti-aliased strokes, drawn into the square at (x, y) of side {@code size}. */
    public static void drawSeven(BufferedImage image, Color ink, double x, double y, double size) {
        Path2D seven = new Path2D.Double();
        seven.moveTo(x + 0.15 * size, y + 0.1 * size);
        seven.lineTo(x + 0.8 * size, y + 0.1 * size);
        seven.lineTo(x + 0.4 * size, y + 0.9 * size);
        seven.moveTo(x + 0.35 * size, y + 0.5 * size);
        seven.lineTo(x + 0.7 * size, y + 0.5 * size);
        stroke(image, ink, seven, 0.1 * size);
    }

    public static void stroke(BufferedImage image, Color ink, Shape shape, double width) {
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(ink);
            g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(shape);
        } finally {
            g.dispose();
        }
    }

    public static BufferedImage canvas(int width, int height, int type, Color background) {
        BufferedImage image = new BufferedImage(width, height, type);
        Graphics2D g = image.createGraphics();
        try {
            g.setComposite(AlphaComposite.Src);
            g.setColor(background);
            g.fillRect(0, 0, width, height);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** A black "7" on white, RGB, filling a square canvas with a margin. */
    public static BufferedImage blackSevenOnWhite(int side) {
        BufferedImage image = canvas(side, side, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        drawSeven(image, Color.BLACK, side * 0.15, side * 0.15, side * 0.7);
        return image;
    }

    /** The same picture with every RGB value inverted. */
    public static BufferedImage inverted(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                out.setRGB(x, y, ~image.getRGB(x, y) & 0xffffff);
            }
        }
        return out;
    }

    /** The blue channel of an RGB picture as 8-bit grey (our pictures are neutral grey). */
    public static BufferedImage grey8(BufferedImage rgb) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] argb = rgb.getRGB(0, 0, w, h, null, 0, w);
        int[] blue = new int[argb.length];
        for (int i = 0; i < argb.length; i++) {
            blue[i] = argb[i] & 0xff;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        out.getRaster().setSamples(0, 0, w, h, 0, blue);
        return out;
    }

    public static byte[] png(BufferedImage image) {
        return encode(image, "png");
    }

    public static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no " + format + " writer for " + image);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Interlaced (Adam7) PNG or progressive JPEG: the pixels arrive in several passes. */
    public static byte[] progressive(BufferedImage image, String format) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    public static byte[] jpeg(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    public static double meanAbsoluteDifference(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return sum / a.length;
    }

    /**
     * The mean absolute difference after the best shift of {@code a} by up to one pixel in each
     * direction. MNIST centring shifts by whole pixels, so two renderings of one digit whose centres of
     * mass differ by a hair can land one pixel apart; this compares their shape, size and level.
     */
    public static double alignedMeanAbsoluteDifference(float[] a, float[] b) {
        double best = Double.MAX_VALUE;
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                best = Math.min(best, meanAbsoluteDifference(shifted(a, dx, dy), b));
            }
        }
        return best;
    }

    public static float[] shifted(float[] pixels, int dx, int dy) {
        float[] out = new float[pixels.length];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int sx = x - dx;
                int sy = y - dy;
                if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) {
                    out[y * 28 + x] = pixels[sy * 28 + sx];
                }
            }
        }
        return out;
    }

    public static double maxAbsoluteDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** Pearson correlation of two pixel vectors. */
    public static double correlation(float[] a, float[] b) {
        double sa = 0;
        double sb = 0;
        double saa = 0;
        double sbb = 0;
        double sab = 0;
        int n = a.length;
        for (int i = 0; i < n; i++) {
            sa += a[i];
            sb += b[i];
            saa += a[i] * a[i];
            sbb += b[i] * b[i];
            sab += a[i] * b[i];
        }
        return (n * sab - sa * sb) / Math.sqrt((n * saa - sa * sa) * (n * sbb - sb * sb));
    }

    /** Centre of mass of a 28 x 28 picture as {column, row}, in pixel indices. */
    public static double[] centreOfMass(float[] pixels) {
        double mass = 0;
        double x = 0;
        double y = 0;
        for (int i = 0; i < pixels.length; i++) {
            mass += pixels[i];
            x += pixels[i] * (i % 28);
            y += pixels[i] * (i / 28);
        }
        return new double[] {x / mass, y / mass};
    }

    /** Width and height of the box around the pixels at or above {@code level}. */
    public static int[] extent(float[] pixels, float level) {
        int x0 = 28;
        int y0 = 28;
        int x1 = -1;
        int y1 = -1;
        for (int i = 0; i < pixels.length; i++) {
            if (pixels[i] >= level) {
                x0 = Math.min(x0, i % 28);
                x1 = Math.max(x1, i % 28);
                y0 = Math.min(y0, i / 28);
                y1 = Math.max(y1, i / 28);
            }
        }
        return new int[] {x1 - x0 + 1, y1 - y0 + 1};
    }

    /** A 28 x 28 picture as text, for failure messages. */
    public static String ascii(float[] pixels) {
        StringBuilder text = new StringBuilder("\n");
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                float v = pixels[y * 28 + x];
                text.append(v < 0.1f ? '.' : v < 0.5f ? '+' : '#');
            }
            text.append('\n');
        }
        return text.toString();
    }

    public static String format(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    /** The digit enlarged with bicubic interpolation and inverted to black ink on white. */
    public static BufferedImage blackOnWhite(float[] digit, int side) {
        BufferedImage small = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < Images.PIXELS; p++) {
            int v = 255 - Math.round(digit[p] * 255);
            small.setRGB(p % 28, p / 28, v << 16 | v << 8 | v);
        }
        BufferedImage large = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = large.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(small, 0, 0, side, side, null);
        } finally {
            g.dispose();
        }
        return large;
    }

    /** A committed image fixture from {@code src/test/resources/images/} (see the README there). */
    public static byte[] resource(String name) {
        try (java.io.InputStream in = TestImages.class.getResourceAsStream("/images/" + name)) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
