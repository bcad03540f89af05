package dev.digitserve.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.util.Arrays;

import dev.digitserve.inference.Images;

/**
 * Turns a decoded picture of one handwritten digit into the input the models were trained on: 784
 * floats in [0, 1], row-major 28 x 28, 0 = background, the digit bright. It follows the way MNIST itself
 * was made (digit size-normalised into a 20 x 20 box keeping its aspect ratio, then centred by its centre
 * of mass in a 28 x 28 field), after making a photo or drawing look like MNIST's clean white-on-black ink:
 * <ol>
 * <li><b>Luminance.</b> The grey level is the Rec. 601 luma (0.299 R + 0.587 G + 0.114 B) of the stored
 * samples, read directly for 8- and 16-bit grey and RGB and through the palette for indexed images; grey
 * values are taken as they are, without a colour-space conversion. Transparency is background:
 * transparent areas are filled with the level of the opaque background, or, when the opaque part is only
 * the drawing, with the opposite of its colour (a black digit on a transparent canvas becomes black on
 * white, a white one white on black). Pictures longer than 1024 pixels on their
 * longer side are area-averaged down to that working size first, which bounds the work that follows.</li>
 * <li><b>Polarity.</b> The background level is the median of the border pixels. The ink is on the side
 * where the picture deviates more from it in total: noise deviates both ways alike, ink only one way.
 * Dark-on-light pictures (a marker digit on paper) are inverted so that the ink is bright; light-on-dark
 * ones are kept.</li>
 * <li><b>Background removal.</b> The background is estimated locally: the 25th percentile of each cell of
 * a 16 x 16 grid, then the minimum over each cell's 3 x 3 neighbourhood (a cell covered by a stroke takes
 * its neighbours' level), interpolated bilinearly between cell centres. It is subtracted, and for dark ink
 * on paper the difference is divided by the local paper brightness, because light multiplies: in a
 * shadow, paper and ink darken alike. Shadows and uneven lighting in a photo thus neither become ink nor
 * fade the strokes.</li>
 * <li><b>Contrast stretch.</b> The noise level is estimated robustly over the whole picture (median plus
 * three MAD-based standard deviations of what is left); paper texture and compression noise below it
 * become 0. The ink level is the 95th percentile of the pixels above the noise level; values are scaled
 * linearly so that the noise level maps to 0 and the ink level to 1, and clamped. When nothing rises
 * above the noise by at least 0.08 (and three standard deviations of the noise), the
 * picture is blank: {@link NoDigitFoundException}.</li>
 * <li><b>Bounding box.</b> The digit is the set of pixels at 0.3 or more after the
 * stretch, in 8-connected parts that hold at least 2% of that area; smaller specks (dust, noise) are
 * erased. The box is the bounding box of what is left.</li>
 * <li><b>Size normalisation.</b> The box is scaled so that its longer side is 20 pixels,
 * keeping the aspect ratio: by area averaging when shrinking, by bilinear interpolation when enlarging.
 * Faint edges just outside the box are carried along.</li>
 * <li><b>Centring.</b> The result is pasted into the 28 x 28 field with the integer shift that brings its
 * centre of mass onto pixel (14, 14) (row and column counted from 0), as in
 * MNIST, where every digit's centre of mass lies within half a pixel of that pixel. The shift is limited
 * so that the box stays inside the field.</li>
 * </ol>
 * An MNIST digit handed in as its own 28 x 28 picture comes back nearly unchanged: only the contrast
 * stretch may brighten a faint one by a few percent. The digit
 * should cover less than half of the picture, as on a sheet of paper or in MNIST itself (about 20%);
 * a picture filled by the ink leaves too little background to estimate.
 *
 * <p>Stateless and thread-safe. Memory is bounded by the working size: about 20 bytes per working
 * pixel, at most 20 MB, on top of the decoded image.
 */
final class MnistPreprocessor {
    static final int SIDE = Images.SIDE;
    static final int PIXELS = Images.PIXELS;
    /** Longer side of the digit's box in the output, as in MNIST. */
    static final int BOX = 20;
    /** Row and column (from 0) of the pixel that the centre of mass lands on, measured on MNIST. */
    static final int CENTRE = 14;
    static final int MAX_WORKING_SIDE = 1024;
    /** Smallest contrast, in grey levels / 255, that is taken for ink rather than noise: 20 levels. */
    static final double MIN_CONTRAST = 0.08;
    /** Stretched level at which a pixel counts as part of the digit's shape for its bounding box. */
    static final float SHAPE_LEVEL = 0.3f;

    private static final double RING_FRACTION = 1.0 / 32;
    /** Deviations from the background level up to this (5 grey levels) count for neither polarity. */
    private static final double POLARITY_DEAD_BAND = 0.02;
    private static final int BACKGROUND_GRID = 16;
    private static final int MIN_CELL = 8;
    private static final double BACKGROUND_QUANTILE = 0.25;
    /** Darkest paper level that contrast is measured against, so that black paper does not divide by 0. */
    private static final float MIN_PAPER = 0.1f;
    private static final double NOISE_SIGMAS = 3;
    /** Converts a median absolute deviation into a standard deviation for normal noise. */
    private static final double MAD_TO_SIGMA = 1.4826;
    private static final double INK_QUANTILE = 0.95;
    private static final double MIN_PART_SHARE = 0.02;
    /** Output pixels resampled around the box so that anti-aliased edges are not cut off. */
    private static final int MARGIN = 2;

    static final String NO_DIGIT = "no digit found in the image: it is blank or its contrast is too low";

    /**
     * The MNIST input for {@code image}.
     *
     * @return a new array of {@link #PIXELS} floats in [0, 1], row-major
     * @throws NoDigitFoundException when nothing in the picture stands out from the background
     */
    public float[] toMnistInput(BufferedImage image) {
        return toMnistInput(image, Orientation.TOP_LEFT);
    }

    /**
     * The MNIST input for {@code image} as viewed: its stored pixels turned by {@code orientation} (after
     * step 1, on the small working picture, where turning is cheap).
     *
     * @throws NoDigitFoundException when nothing in the picture stands out from the background
     */
    public float[] toMnistInput(BufferedImage image, Orientation orientation) {
        return toMnistInput(luminance(image, MAX_WORKING_SIDE).oriented(orientation));
    }

    /**
     * Steps 1 to 4 only, for a picture of several digits: the cleaned ink of the whole picture as viewed,
     * for {@link DigitSegmenter} to find the digits in.
     *
     * @throws NoDigitFoundException when nothing in the picture stands out from the background
     */
    public InkPage inkPage(BufferedImage image, Orientation orientation) {
        Grey grey = luminance(image, MAX_WORKING_SIDE).oriented(orientation);
        int viewedWidth = orientation.swapsAxes() ? image.getHeight() : image.getWidth();
        return new InkPage(grey.width(), grey.height(), ink(grey), Math.max(1, (double) viewedWidth / grey.width()));
    }

    /** Steps 6 and 7 on one digit that {@link DigitSegmenter} cut out of an {@link #inkPage}. */
    public float[] toMnistInput(DigitSegmenter.Segment digit) {
        int m = digit.margin();
        return centre(digit.crop(), digit.cropWidth(), digit.cropHeight(),
                new Box(m, m, m + digit.width() - 1, m + digit.height() - 1));
    }

    /** Steps 2 to 7 on a grey picture (0 = black, 1 = white). */
    float[] toMnistInput(Grey grey) {
        float[] ink = ink(grey);
        Box box = digitBox(ink, grey.width(), grey.height());
        return centre(ink, grey.width(), grey.height(), box);
    }

    /** Steps 2 to 4: the picture's ink in [0, 1], 0 = background. */
    private static float[] ink(Grey grey) {
        int w = grey.width();
        int h = grey.height();
        float[] g = grey.values();
        boolean inkIsDark = inkIsDarker(g, w, h);
        float[] v = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            v[i] = inkIsDark ? 1 - g[i] : g[i];
        }
        float[] background = background(v, w, h);
        for (int i = 0; i < v.length; i++) {
            v[i] -= background[i];
            if (inkIsDark) {
                // Light on paper multiplies: in a shadow the ink is as much darker as the paper is, so
                // the contrast is measured relative to the local paper brightness.
                v[i] /= Math.max(MIN_PAPER, 1 - background[i]);
            }
        }
        return stretch(v);
    }

    /** A grey picture, row-major, 0 = black and 1 = white. */
    record Grey(int width, int height, float[] values) {
        Grey {
            if (width < 1 || height < 1 || values.length != width * height) {
                throw new IllegalArgumentException("grey image of " + width + "x" + height
                        + " needs " + (long) width * height + " values, got " + values.length);
            }
        }

        /** The picture as viewed, when its pixels are stored with {@code orientation}. */
        Grey oriented(Orientation orientation) {
            return orientation.swapsAxes() ? new Grey(height, width, orientation.apply(values, width, height))
                    : new Grey(width, height, orientation.apply(values, width, height));
        }
    }

    // ---- step 1: luminance -------------------------------------------------------------------

    /**
     * Luminance of {@code image}, transparency filled in as background, area-averaged to at most
     * {@code maxSide} pixels on the longer side. Reads the image one row at a time, so no full-size
     * copy is made.
     */
    static Grey luminance(BufferedImage image, int maxSide) {
        int w = image.getWidth();
        int h = image.getHeight();
        double scale = Math.min(1.0, (double) maxSide / Math.max(w, h));
        int dw = Math.max(1, (int) Math.round(w * scale));
        int dh = Math.max(1, (int) Math.round(h * scale));
        Axis xs = Axis.of(w, 0, (double) w / dw, dw);
        Axis ys = Axis.of(h, 0, (double) h / dh, dh);
        RowReader rows = RowReader.of(image);

        // Premultiplied luma and coverage are averaged separately; filling transparency in afterwards
        // is then exact, because compositing is linear.
        float[] lumaSum = new float[dw * dh];
        float[] alphaSum = new float[dw * dh];
        float[] luma = new float[w];
        float[] alpha = new float[w];
        float[] rowLuma = new float[dw];
        float[] rowAlpha = new float[dw];
        int[] opaqueHistogram = new int[256];
        long opaque = 0;
        int current = -1;
        for (int j = 0; j < dh; j++) {
            float[] weightsY = ys.weights[j];
            for (int k = 0; k < weightsY.length; k++) {
                int y = ys.first[j] + k;
                if (y != current) {
                    rows.read(y, luma, alpha);
                    for (int x = 0; x < w; x++) {
                        if (alpha[x] >= 0.5f) {
                            opaqueHistogram[Math.min(255, (int) (luma[x] * 256))]++;
                            opaque++;
                        }
                        luma[x] *= alpha[x];
                    }
                    xs.apply(luma, rowLuma);
                    xs.apply(alpha, rowAlpha);
                    current = y;
                }
                float wy = weightsY[k];
                for (int i = 0, o = j * dw; i < dw; i++, o++) {
                    lumaSum[o] += wy * rowLuma[i];
                    alphaSum[o] += wy * rowAlpha[i];
                }
            }
        }
        float fill = transparentFill(opaqueHistogram, opaque, (long) w * h);
        float[] grey = new float[dw * dh];
        for (int i = 0; i < grey.length; i++) {
            float a = Math.min(1f, alphaSum[i]);
            grey[i] = clamp(lumaSum[i] + (1 - a) * fill);
        }
        return new Grey(dw, dh, grey);
    }

    /**
     * The grey level that stands in for transparent pixels. When most of the picture is opaque, its
     * transparent parts continue the opaque background (the median opaque level). When most of it is
     * transparent, the opaque part is the drawing and the background takes the contrasting colour.
     */
    private static float transparentFill(int[] opaqueHistogram, long opaque, long total) {
        if (opaque == 0) {
            return 1f;
        }
        long seen = 0;
        int bin = 0;
        while (bin < 255 && (seen += opaqueHistogram[bin]) * 2 < opaque) {
            bin++;
        }
        float median = (bin + 0.5f) / 256;
        if (opaque * 2 >= total) {
            return median;
        }
        return median < 0.5f ? 1f : 0f;
    }

    /** Reads one row of an image as luma and alpha in [0, 1]. */
    private interface RowReader {
        void read(int y, float[] luma, float[] alpha);

        static RowReader of(BufferedImage image) {
            ColorModel model = image.getColorModel();
            Raster raster = image.getRaster();
            int type = raster.getTransferType();
            if (model instanceof ComponentColorModel
                    && (type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT)) {
                ColorSpace space = model.getColorSpace();
                int colours = model.getNumColorComponents();
                if ((space.getType() == ColorSpace.TYPE_GRAY && colours == 1)
                        || (space.isCS_sRGB() && colours == 3)) {
                    return componentRows(model, raster);
                }
            }
            // Palette, packed RGB and colour-managed images: getRGB gives exact sRGB for the first two
            // and converts the rest. Not used for grey, where it would apply a linear-to-sRGB curve.
            int w = image.getWidth();
            int[] argb = new int[w];
            return (y, luma, alpha) -> {
                image.getRGB(0, y, w, 1, argb, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = argb[x];
                    luma[x] = (0.299f * ((p >> 16) & 0xff) + 0.587f * ((p >> 8) & 0xff) + 0.114f * (p & 0xff)) / 255f;
                    alpha[x] = (p >>> 24) / 255f;
                }
            };
        }

        /** Raw samples of grey or sRGB components, 8 or 16 bits, with or without alpha. */
        private static RowReader componentRows(ColorModel model, Raster raster) {
            int w = raster.getWidth();
            int bands = raster.getNumBands();
            int colours = model.getNumColorComponents();
            boolean hasAlpha = model.hasAlpha();
            boolean premultiplied = model.isAlphaPremultiplied();
            float[] max = new float[bands];
            for (int b = 0; b < bands; b++) {
                max[b] = (1 << model.getComponentSize(b)) - 1;
            }
            int[] samples = new int[w * bands];
            int minX = raster.getMinX();
            int minY = raster.getMinY();
            return (y, luma, alpha) -> {
                raster.getPixels(minX, minY + y, w, 1, samples);
                for (int x = 0, s = 0; x < w; x++, s += bands) {
                    float l = colours == 1
                            ? samples[s] / max[0]
                            : 0.299f * samples[s] / max[0] + 0.587f * samples[s + 1] / max[1]
                                    + 0.114f * samples[s + 2] / max[2];
                    float a = hasAlpha ? samples[s + colours] / max[colours] : 1f;
                    if (premultiplied) {
                        l = a > 0 ? Math.min(1f, l / a) : 0f;
                    }
                    luma[x] = l;
                    alpha[x] = a;
                }
            };
        }
    }

    // ---- step 2: polarity --------------------------------------------------------------------

    /**
     * Whether the ink is darker than the background. Noise deviates from the background level about
     * equally in both directions, the ink only in its own, so the side with more total deviation wins;
     * this holds however small the digit is in the picture.
     */
    private static boolean inkIsDarker(float[] g, int w, int h) {
        int ring = Math.max(1, (int) (Math.min(w, h) * RING_FRACTION));
        Histogram border = new Histogram(0, 1, 1024);
        for (int y = 0, i = 0; y < h; y++) {
            boolean edgeRow = y < ring || y >= h - ring;
            for (int x = 0; x < w; x++, i++) {
                if (edgeRow || x < ring || x >= w - ring) {
                    border.add(g[i]);
                }
            }
        }
        double background = border.quantile(0.5);
        double darker = 0;
        double lighter = 0;
        for (float value : g) {
            double deviation = value - background;
            // the dead band keeps rounding of the level from adding up over a large, clean background
            if (deviation < -POLARITY_DEAD_BAND) {
                darker -= deviation;
            } else if (deviation > POLARITY_DEAD_BAND) {
                lighter += deviation;
            }
        }
        return darker >= lighter;
    }

    // ---- step 3: local background ------------------------------------------------------------

    /** Background level of every pixel of {@code v} (ink bright), from a coarse grid of cells. */
    private static float[] background(float[] v, int w, int h) {
        int cell = Math.max(MIN_CELL, ceilDiv(Math.max(w, h), BACKGROUND_GRID));
        int nx = ceilDiv(w, cell);
        int ny = ceilDiv(h, cell);
        int[] histograms = new int[nx * ny * 256];
        for (int y = 0, i = 0; y < h; y++) {
            int rowCells = (y / cell) * nx;
            for (int x = 0; x < w; x++, i++) {
                int bin = Math.max(0, Math.min(255, (int) (v[i] * 256)));
                histograms[(rowCells + x / cell) * 256 + bin]++;
            }
        }
        float[] level = new float[nx * ny];
        for (int c = 0; c < level.length; c++) {
            int count = 0;
            for (int b = 0; b < 256; b++) {
                count += histograms[c * 256 + b];
            }
            long target = (long) Math.ceil(count * BACKGROUND_QUANTILE);
            int seen = 0;
            int b = 0;
            while (b < 255 && (seen += histograms[c * 256 + b]) < target) {
                b++;
            }
            level[c] = b / 256f;
        }
        float[] paper = new float[level.length];
        for (int cy = 0; cy < ny; cy++) {
            for (int cx = 0; cx < nx; cx++) {
                float min = Float.MAX_VALUE;
                for (int yy = Math.max(0, cy - 1); yy <= Math.min(ny - 1, cy + 1); yy++) {
                    for (int xx = Math.max(0, cx - 1); xx <= Math.min(nx - 1, cx + 1); xx++) {
                        min = Math.min(min, level[yy * nx + xx]);
                    }
                }
                paper[cy * nx + cx] = min;
            }
        }
        int[] x0 = new int[w];
        int[] x1 = new int[w];
        float[] fx = new float[w];
        interpolation(w, cell, nx, x0, x1, fx);
        int[] y0 = new int[h];
        int[] y1 = new int[h];
        float[] fy = new float[h];
        interpolation(h, cell, ny, y0, y1, fy);
        float[] out = new float[w * h];
        for (int y = 0, i = 0; y < h; y++) {
            for (int x = 0; x < w; x++, i++) {
                float top = paper[y0[y] * nx + x0[x]] * (1 - fx[x]) + paper[y0[y] * nx + x1[x]] * fx[x];
                float bottom = paper[y1[y] * nx + x0[x]] * (1 - fx[x]) + paper[y1[y] * nx + x1[x]] * fx[x];
                out[i] = top * (1 - fy[y]) + bottom * fy[y];
            }
        }
        return out;
    }

    /** Bilinear interpolation between cell centres along one axis, clamped at the ends. */
    private static void interpolation(int length, int cell, int cells, int[] lo, int[] hi, float[] f) {
        for (int p = 0; p < length; p++) {
            double position = Math.max(0, Math.min(cells - 1, (p + 0.5) / cell - 0.5));
            int i = (int) position;
            lo[p] = i;
            hi[p] = Math.min(cells - 1, i + 1);
            f[p] = (float) (position - i);
        }
    }

    // ---- step 4: contrast stretch ------------------------------------------------------------

    /** Maps the residual {@code r} (ink bright, background about 0) onto [0, 1] ink, in place. */
    private static float[] stretch(float[] r) {
        Histogram residual = new Histogram(-1, 1, 4096);
        for (float value : r) {
            residual.add(value);
        }
        double median = residual.quantile(0.5);
        Histogram deviation = new Histogram(0, 2, 4096);
        for (float value : r) {
            deviation.add((float) Math.abs(value - median));
        }
        double sigma = MAD_TO_SIGMA * deviation.quantile(0.5);
        double noise = median + NOISE_SIGMAS * sigma;
        Histogram above = new Histogram(-1, 1, 4096);
        for (float value : r) {
            if (value > noise) {
                above.add(value);
            }
        }
        if (above.count() == 0) {
            throw new NoDigitFoundException(NO_DIGIT);
        }
        double ink = above.quantile(INK_QUANTILE);
        double contrast = ink - noise;
        if (contrast < Math.max(MIN_CONTRAST, NOISE_SIGMAS * sigma)) {
            throw new NoDigitFoundException(NO_DIGIT);
        }
        for (int i = 0; i < r.length; i++) {
            r[i] = clamp((float) ((r[i] - noise) / contrast));
        }
        return r;
    }

    // ---- step 5: bounding box ----------------------------------------------------------------

    /** Inclusive pixel bounds of the digit in the working picture. */
    record Box(int x0, int y0, int x1, int y1) {
        int width() {
            return x1 - x0 + 1;
        }

        int height() {
            return y1 - y0 + 1;
        }
    }

    /** The box of the digit's significant parts; erases the specks outside them from {@code ink}. */
    private static Box digitBox(float[] ink, int w, int h) {
        int[] label = new int[ink.length];
        int[] queue = new int[ink.length];
        // per part: area and bounds, grown as parts are found
        int[] area = new int[16];
        int[] bounds = new int[16 * 4];
        int parts = 0;
        long total = 0;
        for (int start = 0; start < ink.length; start++) {
            if (label[start] != 0 || ink[start] < SHAPE_LEVEL) {
                continue;
            }
            if (parts == area.length) {
                area = Arrays.copyOf(area, parts * 2);
                bounds = Arrays.copyOf(bounds, parts * 8);
            }
            int id = parts + 1;
            InkFill.Part part = InkFill.fill(ink, w, h, SHAPE_LEVEL, label, queue, start, id);
            area[parts] = part.area();
            bounds[parts * 4] = part.minX();
            bounds[parts * 4 + 1] = part.minY();
            bounds[parts * 4 + 2] = part.maxX();
            bounds[parts * 4 + 3] = part.maxY();
            total += part.area();
            parts++;
        }
        if (parts == 0) {
            throw new NoDigitFoundException(NO_DIGIT);
        }
        boolean[] kept = new boolean[parts + 1];
        int x0 = w;
        int y0 = h;
        int x1 = -1;
        int y1 = -1;
        for (int p = 0; p < parts; p++) {
            if (area[p] >= MIN_PART_SHARE * total) {
                kept[p + 1] = true;
                x0 = Math.min(x0, bounds[p * 4]);
                y0 = Math.min(y0, bounds[p * 4 + 1]);
                x1 = Math.max(x1, bounds[p * 4 + 2]);
                y1 = Math.max(y1, bounds[p * 4 + 3]);
            }
        }
        for (int i = 0; i < ink.length; i++) {
            if (label[i] != 0 && !kept[label[i]]) {
                ink[i] = 0;
            }
        }
        return new Box(x0, y0, x1, y1);
    }

    // ---- steps 6 and 7: size normalisation and centring -------------------------------------

    private static float[] centre(float[] ink, int w, int h, Box box) {
        double scale = (double) BOX / Math.max(box.width(), box.height());
        double pixel = 1 / scale;
        int ow = (int) Math.ceil(box.width() * scale - 1e-9) + 2 * MARGIN;
        int oh = (int) Math.ceil(box.height() * scale - 1e-9) + 2 * MARGIN;
        Axis xs = Axis.of(w, box.x0() - MARGIN * pixel, pixel, ow);
        Axis ys = Axis.of(h, box.y0() - MARGIN * pixel, pixel, oh);
        float[] scaled = resample(ink, w, h, xs, ys);

        double mass = 0;
        double sumX = 0;
        double sumY = 0;
        for (int y = 0, i = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++, i++) {
                mass += scaled[i];
                sumX += scaled[i] * x;
                sumY += scaled[i] * y;
            }
        }
        if (mass <= 0) {
            throw new NoDigitFoundException(NO_DIGIT);
        }
        int dx = shift(sumX / mass, box.width() * scale);
        int dy = shift(sumY / mass, box.height() * scale);
        float[] out = new float[PIXELS];
        for (int y = 0; y < oh; y++) {
            int ty = y + dy;
            if (ty < 0 || ty >= SIDE) {
                continue;
            }
            for (int x = 0; x < ow; x++) {
                int tx = x + dx;
                if (tx >= 0 && tx < SIDE) {
                    out[ty * SIDE + tx] = clamp(scaled[y * ow + x]);
                }
            }
        }
        return out;
    }

    /**
     * The integer shift that moves {@code centreOfMass} onto {@link #CENTRE}, limited so that the box
     * (which starts at {@link #MARGIN} in the scaled picture and is {@code extent} long) stays inside
     * the field: a lopsided digit is better whole and a little off-centre than cut.
     */
    private static int shift(double centreOfMass, double extent) {
        int shift = (int) Math.round(CENTRE - centreOfMass);
        int lowest = -MARGIN;
        int highest = (int) Math.floor(SIDE - MARGIN - extent + 1e-9);
        return Math.max(lowest, Math.min(highest, shift));
    }

    /** Separable resampling of {@code src} (w x h) onto the grid described by the two axes. */
    private static float[] resample(float[] src, int w, int h, Axis xs, Axis ys) {
        int ow = xs.first.length;
        int oh = ys.first.length;
        float[] rows = new float[h * ow];
        float[] line = new float[w];
        float[] out = new float[ow];
        int from = h;
        int to = -1;
        for (int j = 0; j < oh; j++) {
            if (ys.weights[j].length > 0) {
                from = Math.min(from, ys.first[j]);
                to = Math.max(to, ys.first[j] + ys.weights[j].length - 1);
            }
        }
        for (int y = from; y <= to; y++) {
            System.arraycopy(src, y * w, line, 0, w);
            xs.apply(line, out);
            System.arraycopy(out, 0, rows, y * ow, ow);
        }
        float[] result = new float[ow * oh];
        for (int j = 0; j < oh; j++) {
            float[] weights = ys.weights[j];
            for (int k = 0; k < weights.length; k++) {
                int row = (ys.first[j] + k) * ow;
                for (int x = 0; x < ow; x++) {
                    result[j * ow + x] += weights[k] * rows[row + x];
                }
            }
        }
        return result;
    }

    /**
     * Resampling weights along one axis: output pixel j covers the source interval
     * [origin + j * pixel, origin + (j + 1) * pixel). When an output pixel covers one source pixel or
     * more, it is the area average of what it covers (exact fractional overlaps); when it covers less,
     * it is interpolated linearly at its centre. Source pixels outside [0, length) count as 0, the
     * background.
     */
    private record Axis(int[] first, float[][] weights) {
        static Axis of(int length, double origin, double pixel, int outputs) {
            int[] first = new int[outputs];
            float[][] weights = new float[outputs][];
            for (int j = 0; j < outputs; j++) {
                double a = origin + j * pixel;
                double b = a + pixel;
                int lo;
                double[] raw;
                if (pixel >= 1) {
                    lo = (int) Math.floor(a);
                    int hi = (int) Math.ceil(b) - 1;
                    raw = new double[Math.max(0, hi - lo + 1)];
                    for (int i = lo; i <= hi; i++) {
                        raw[i - lo] = (Math.min(b, i + 1) - Math.max(a, i)) / pixel;
                    }
                } else {
                    double centre = a + pixel / 2 - 0.5;
                    lo = (int) Math.floor(centre);
                    double f = centre - lo;
                    raw = new double[] {1 - f, f};
                }
                int start = Math.max(lo, 0);
                int end = Math.min(lo + raw.length, length);
                while (start < end && raw[start - lo] < 1e-9) {
                    start++;
                }
                while (end > start && raw[end - 1 - lo] < 1e-9) {
                    end--;
                }
                float[] kept = new float[Math.max(0, end - start)];
                for (int i = start; i < end; i++) {
                    kept[i - start] = (float) raw[i - lo];
                }
                first[j] = Math.min(start, Math.max(0, length - 1));
                weights[j] = kept;
            }
            return new Axis(first, weights);
        }

        void apply(float[] in, float[] out) {
            for (int j = 0; j < first.length; j++) {
                float[] w = weights[j];
                float sum = 0;
                for (int k = 0, i = first[j]; k < w.length; k++, i++) {
                    sum += w[k] * in[i];
                }
                out[j] = sum;
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Fixed-bin histogram for quantiles in one pass; a quantile is reported as its bin's lower edge. */
    private static final class Histogram {
        private final double min;
        private final double width;
        private final float binsPerUnit;
        private final int[] bins;
        private long count;

        Histogram(double min, double max, int bins) {
            this.min = min;
            this.width = (max - min) / bins;
            this.binsPerUnit = (float) (bins / (max - min));
            this.bins = new int[bins];
        }

        void add(float value) {
            int bin = (int) ((value - (float) min) * binsPerUnit);
            bins[Math.max(0, Math.min(bins.length - 1, bin))]++;
            count++;
        }

        long count() {
            return count;
        }

        /** The lower edge of the bin that holds the value of rank ceil(q * count). */
        double quantile(double q) {
            long target = Math.max(1, (long) Math.ceil(q * count));
            long seen = 0;
            for (int b = 0; b < bins.length; b++) {
                seen += bins[b];
                if (seen >= target) {
                    return min + b * width;
                }
            }
            return min + (bins.length - 1) * width;
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static float clamp(float value) {
        return value < 0 ? 0 : Math.min(value, 1);
    }
}
