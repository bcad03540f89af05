package dev.digitserve.image;

import static dev.digitserve.support.TestImages.alignedMeanAbsoluteDifference;
import static dev.digitserve.support.TestImages.ascii;
import static dev.digitserve.support.TestImages.blackSevenOnWhite;
import static dev.digitserve.support.TestImages.canvas;
import static dev.digitserve.support.TestImages.centreOfMass;
import static dev.digitserve.support.TestImages.drawSeven;
import static dev.digitserve.support.TestImages.extent;
import static dev.digitserve.support.TestImages.grey8;
import static dev.digitserve.support.TestImages.inverted;
import static dev.digitserve.support.TestImages.maxAbsoluteDifference;
import static dev.digitserve.support.TestImages.meanAbsoluteDifference;
import static dev.digitserve.support.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.util.Random;

import dev.digitserve.support.TestImages;
import org.junit.jupiter.api.Test;

class MnistPreprocessorTest {
    private final MnistPreprocessor preprocessor = new MnistPreprocessor();
    private final DigitImageReader reader = new DigitImageReader();

    @Test
    void outputIsTheDigitBrightOnBlackIn784Values() {
        float[] out = preprocessor.toMnistInput(blackSevenOnWhite(200));

        assertThat(out).hasSize(MnistPreprocessor.PIXELS);
        for (float v : out) {
            assertThat(v).isBetween(0f, 1f);
        }
        assertThat(max(out)).as("stroke cores saturate").isGreaterThan(0.99f);
        for (int i = 0; i < 28; i++) {
            // MNIST's 20-pixel box in a 28-pixel field leaves a blank border
            assertThat(out[i]).isZero();
            assertThat(out[27 * 28 + i]).isZero();
            assertThat(out[i * 28]).isZero();
            assertThat(out[i * 28 + 27]).isZero();
        }
    }

    @Test
    void darkOnLightAndLightOnDarkGiveTheSameInput() {
        BufferedImage darkOnLight = blackSevenOnWhite(200);
        float[] a = preprocessor.toMnistInput(darkOnLight);
        float[] b = preprocessor.toMnistInput(inverted(darkOnLight));

        assertThat(maxAbsoluteDifference(a, b)).as(ascii(a) + ascii(b)).isLessThan(1e-5);
    }

    @Test
    void polarityIsFoundOnDimGreyPaperToo() {
        // dark-grey ink on mid-grey paper: both below 0.5, so "dark means ink" would not decide it
        BufferedImage paper = canvas(200, 200, BufferedImage.TYPE_INT_RGB, new Color(90, 90, 90));
        drawSeven(paper, new Color(20, 20, 20), 30, 30, 140);
        BufferedImage chalk = canvas(200, 200, BufferedImage.TYPE_INT_RGB, new Color(40, 40, 40));
        drawSeven(chalk, new Color(110, 110, 110), 30, 30, 140);

        float[] reference = preprocessor.toMnistInput(blackSevenOnWhite(200));
        assertThat(meanAbsoluteDifference(preprocessor.toMnistInput(paper), reference)).isLessThan(0.01);
        assertThat(meanAbsoluteDifference(preprocessor.toMnistInput(chalk), reference)).isLessThan(0.01);
    }

    @Test
    void polarityIsFoundForATinyDigitInALargePicture() {
        // the ink covers less than 0.1% of the picture
        BufferedImage dark = canvas(800, 600, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        drawSeven(dark, Color.BLACK, 500, 100, 30);
        float[] a = preprocessor.toMnistInput(dark);
        float[] b = preprocessor.toMnistInput(inverted(dark));

        assertThat(maxAbsoluteDifference(a, b)).as(ascii(a) + ascii(b)).isLessThan(1e-5);
        assertThat(max(a)).isGreaterThan(0.99f);
    }

    @Test
    void positionAndSizeInThePictureDoNotMatter() {
        BufferedImage small = canvas(600, 400, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        drawSeven(small, Color.BLACK, 20, 30, 90);
        BufferedImage large = canvas(300, 300, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        drawSeven(large, Color.BLACK, 0, 0, 300);

        float[] a = preprocessor.toMnistInput(small);
        float[] b = preprocessor.toMnistInput(large);
        assertThat(alignedMeanAbsoluteDifference(a, b)).as(ascii(a) + ascii(b)).isLessThan(0.02);
    }

    @Test
    void longerSideIsScaledTo20PixelsKeepingTheAspectRatio() {
        BufferedImage one = canvas(300, 300, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        TestImages.stroke(one, Color.BLACK, new Line2D.Double(150, 60, 150, 240), 18); // 18 x 198 with caps
        float[] tall = preprocessor.toMnistInput(one);

        assertThat(extent(tall, 0.5f)).as(ascii(tall)).containsExactly(2, 20);
        assertThat(extent(tall, 0.01f)[0]).as("a thin stroke stays thin").isLessThanOrEqualTo(4);

        BufferedImage dash = canvas(300, 300, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        TestImages.stroke(dash, Color.BLACK, new Line2D.Double(40, 150, 260, 150), 40); // 260 x 40
        float[] wide = preprocessor.toMnistInput(dash);
        assertThat(extent(wide, 0.5f)).as(ascii(wide)).containsExactly(20, 3);
    }

    @Test
    void centreOfMassLandsOnPixel14() {
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            BufferedImage image = canvas(240, 240, BufferedImage.TYPE_INT_RGB, Color.WHITE);
            // a lopsided "4"-like shape: its centre of mass is far from its box centre
            double x = 20 + random.nextInt(80);
            double y = 20 + random.nextInt(80);
            double s = 60 + random.nextInt(60);
            Path2D shape = new Path2D.Double();
            shape.moveTo(x + 0.6 * s, y);
            shape.lineTo(x, y + 0.7 * s);
            shape.lineTo(x + s, y + 0.7 * s);
            shape.moveTo(x + 0.7 * s, y + 0.3 * s);
            shape.lineTo(x + 0.7 * s, y + 1.1 * s);
            TestImages.stroke(image, Color.BLACK, shape, s * (0.06 + 0.1 * random.nextDouble()));

            float[] out = preprocessor.toMnistInput(image);
            double[] com = centreOfMass(out);
            assertThat(com[0]).as("column of the centre of mass" + ascii(out)).isCloseTo(14, within(0.5));
            assertThat(com[1]).as("row of the centre of mass" + ascii(out)).isCloseTo(14, within(0.5));
        }
    }

    @Test
    void smallPicturesAreEnlarged() {
        BufferedImage tiny = canvas(14, 14, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        drawSeven(tiny, Color.BLACK, 0, 0, 14); // the 7 is about 10 x 12 pixels
        float[] out = preprocessor.toMnistInput(tiny);

        // the box of the enlarged digit is 20 pixels; interpolating its soft edges adds up to one more
        // pixel at either end
        int[] box = extent(out, 0.3f);
        assertThat(Math.max(box[0], box[1])).as(ascii(out)).isBetween(20, 22);
        assertThat(alignedMeanAbsoluteDifference(out, preprocessor.toMnistInput(blackSevenOnWhite(200))))
                .as(ascii(out)).isLessThan(0.08);
    }

    @Test
    void transparentBackgroundIsBackground() {
        float[] reference = preprocessor.toMnistInput(blackSevenOnWhite(200));

        // transparent black around a black digit: ignoring alpha would leave a black picture
        BufferedImage black = canvas(200, 200, BufferedImage.TYPE_INT_ARGB, new Color(0, 0, 0, 0));
        drawSeven(black, Color.BLACK, 30, 30, 140);
        // transparent white around a white digit, and through a real RGBA PNG
        BufferedImage white = canvas(200, 200, BufferedImage.TYPE_INT_ARGB, new Color(255, 255, 255, 0));
        drawSeven(white, Color.WHITE, 30, 30, 140);

        assertThat(meanAbsoluteDifference(preprocessor.toMnistInput(black), reference)).isLessThan(1e-3);
        assertThat(meanAbsoluteDifference(reader.toMnistInput(png(black)), reference)).isLessThan(1e-3);
        assertThat(meanAbsoluteDifference(reader.toMnistInput(png(white)), reference)).isLessThan(1e-3);
    }

    @Test
    void transparentBorderAroundAnOpaqueCardContinuesTheCard() {
        BufferedImage card = canvas(240, 240, BufferedImage.TYPE_INT_ARGB, new Color(0, 0, 0, 0));
        Graphics2D g = card.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(20, 20, 200, 200);
        g.dispose();
        drawSeven(card, Color.BLACK, 50, 50, 140);

        float[] out = reader.toMnistInput(png(card));
        assertThat(meanAbsoluteDifference(out, preprocessor.toMnistInput(blackSevenOnWhite(200))))
                .as(ascii(out)).isLessThan(1e-3);
    }

    @Test
    void fullyTransparentPictureHasNoDigit() {
        BufferedImage empty = canvas(50, 50, BufferedImage.TYPE_INT_ARGB, new Color(0, 0, 0, 0));
        assertThatThrownBy(() -> reader.toMnistInput(png(empty))).isInstanceOf(NoDigitFoundException.class);
    }

    @Test
    void greyLevelsAreReadAsStoredIn8And16Bits() {
        BufferedImage grey8 = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey8.getRaster().setSample(0, 0, 0, 128);
        grey8.getRaster().setSample(1, 0, 0, 255);
        BufferedImage grey16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSample(0, 0, 0, 32768);
        grey16.getRaster().setSample(1, 0, 0, 65535);

        // getRGB() would map them through a linear-to-sRGB curve: 128 becomes 188
        ImageDecoder decoder = new ImageDecoder();
        float[] eight = MnistPreprocessor.luminance(decoder.decode(png(grey8)), 1024).values();
        float[] sixteen = MnistPreprocessor.luminance(decoder.decode(png(grey16)), 1024).values();
        assertThat(eight[0]).isCloseTo(128 / 255f, within(1e-6f));
        assertThat(sixteen[0]).isCloseTo(32768 / 65535f, within(1e-6f));
        assertThat(eight[1]).isEqualTo(1f);
        assertThat(sixteen[1]).isEqualTo(1f);
    }

    @Test
    void sixteenBitGreyPngGivesTheSameInputAs8Bit() {
        BufferedImage rgb = blackSevenOnWhite(200);
        BufferedImage grey16 = new BufferedImage(200, 200, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 200; x++) {
                grey16.getRaster().setSample(x, y, 0, (rgb.getRGB(x, y) & 0xff) * 257);
            }
        }
        float[] sixteen = reader.toMnistInput(png(grey16));
        float[] eight = reader.toMnistInput(png(grey8(rgb)));

        assertThat(maxAbsoluteDifference(sixteen, eight)).isLessThan(1e-4);
        assertThat(maxAbsoluteDifference(eight, preprocessor.toMnistInput(rgb))).isLessThan(1e-4);
    }

    @Test
    void palettePngGivesTheSameInputAsGrey() {
        byte[] ramp = new byte[256];
        for (int i = 0; i < 256; i++) {
            ramp[i] = (byte) i;
        }
        IndexColorModel greyPalette = new IndexColorModel(8, 256, ramp, ramp, ramp);
        BufferedImage grey = grey8(blackSevenOnWhite(200));
        BufferedImage indexed = new BufferedImage(200, 200, BufferedImage.TYPE_BYTE_INDEXED, greyPalette);
        indexed.getRaster().setRect(grey.getRaster());

        float[] fromPalette = reader.toMnistInput(png(indexed));
        assertThat(maxAbsoluteDifference(fromPalette, reader.toMnistInput(png(grey)))).isLessThan(1e-5);
    }

    @Test
    void colouredPaletteWithTransparencyIsHandled() {
        // index 0: transparent, 1: dark blue ink; written as a 1-bit palette PNG with a tRNS chunk
        byte[] r = {0, 10};
        byte[] g = {0, 20};
        byte[] b = {0, (byte) 120};
        byte[] a = {0, (byte) 255};
        IndexColorModel palette = new IndexColorModel(1, 2, r, g, b, a);
        BufferedImage indexed = new BufferedImage(200, 200, BufferedImage.TYPE_BYTE_BINARY, palette);
        BufferedImage mask = blackSevenOnWhite(200);
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 200; x++) {
                indexed.getRaster().setSample(x, y, 0, (mask.getRGB(x, y) & 0xff) < 128 ? 1 : 0);
            }
        }
        float[] out = reader.toMnistInput(png(indexed));
        float[] reference = preprocessor.toMnistInput(blackSevenOnWhite(200));
        // the palette version is bilevel (no anti-aliasing), hence the looser bound
        assertThat(alignedMeanAbsoluteDifference(out, reference)).as(ascii(out)).isLessThan(0.03);
    }

    @Test
    void jpegGivesNearlyTheSameInputAsPng() {
        BufferedImage image = blackSevenOnWhite(200);
        float[] fromPng = reader.toMnistInput(png(image));
        float[] fromJpeg = reader.toMnistInput(TestImages.jpeg(image, 0.75f));

        assertThat(alignedMeanAbsoluteDifference(fromJpeg, fromPng)).as(ascii(fromJpeg)).isLessThan(0.02);
    }

    @Test
    void unevenLightingAndPaperTextureOfAPhotoDoNotBecomeInk() {
        Random random = new Random(42);
        int side = 400;
        BufferedImage photo = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        BufferedImage ink = blackSevenOnWhite(side);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                // a shadow from 0.92 (top left) down to 0.45 (bottom right), grainy paper, grey marker
                double paper = 0.92 - 0.47 * (x + y) / (2.0 * side) + 0.03 * random.nextGaussian();
                double coverage = 1 - (ink.getRGB(x, y) & 0xff) / 255.0;
                double level = paper * (1 - coverage) + 0.12 * coverage;
                int v = (int) Math.round(255 * Math.max(0, Math.min(1, level)));
                photo.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        float[] out = reader.toMnistInput(TestImages.jpeg(photo, 0.85f));
        float[] clean = preprocessor.toMnistInput(blackSevenOnWhite(side));

        assertThat(alignedMeanAbsoluteDifference(out, clean)).as(ascii(out) + ascii(clean)).isLessThan(0.03);
        int stray = 0;
        for (int i = 0; i < out.length; i++) {
            if (out[i] > 0.1f && !inkNear(clean, i % 28, i / 28)) {
                stray++;
            }
        }
        assertThat(stray).as("background pixels that became ink" + ascii(out)).isZero();
    }

    @Test
    void smallSpecksAwayFromTheDigitAreIgnored() {
        BufferedImage image = blackSevenOnWhite(300);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.BLACK);
        g.fill(new Ellipse2D.Double(5, 280, 6, 6));
        g.fill(new Ellipse2D.Double(285, 10, 4, 4));
        g.fill(new Ellipse2D.Double(150, 5, 5, 5));
        g.dispose();

        float[] out = preprocessor.toMnistInput(image);
        assertThat(meanAbsoluteDifference(out, preprocessor.toMnistInput(blackSevenOnWhite(300))))
                .as(ascii(out)).isLessThan(1e-3);
    }

    @Test
    void blankPicturesHaveNoDigit() {
        assertNoDigit(canvas(100, 80, BufferedImage.TYPE_INT_RGB, Color.WHITE));
        assertNoDigit(canvas(100, 80, BufferedImage.TYPE_INT_RGB, Color.BLACK));
        assertNoDigit(canvas(100, 80, BufferedImage.TYPE_INT_RGB, new Color(128, 128, 128)));

        Random random = new Random(3);
        BufferedImage noise = new BufferedImage(300, 300, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 300; y++) {
            for (int x = 0; x < 300; x++) {
                noise.getRaster().setSample(x, y, 0, (int) Math.round(200 + 6 * random.nextGaussian()));
            }
        }
        assertNoDigit(noise);

        BufferedImage faint = canvas(200, 200, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        drawSeven(faint, new Color(250, 250, 250), 30, 30, 140); // 5 grey levels: not a digit
        assertNoDigit(faint);
    }

    @Test
    void whiteJpegHasNoDigit() {
        byte[] white = TestImages.jpeg(canvas(64, 64, BufferedImage.TYPE_INT_RGB, Color.WHITE), 0.75f);
        assertThatThrownBy(() -> reader.toMnistInput(white))
                .isInstanceOf(NoDigitFoundException.class)
                .isInstanceOf(InvalidImageException.class)
                .hasMessageStartingWith("no digit found");
    }

    @Test
    void largePicturesAreWorkedOnAtReducedSize() {
        BufferedImage big = canvas(3000, 2000, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        drawSeven(big, Color.BLACK, 1000, 300, 1400);
        MnistPreprocessor.Grey working = MnistPreprocessor.luminance(big, MnistPreprocessor.MAX_WORKING_SIDE);
        assertThat(working.width()).isEqualTo(1024);
        assertThat(working.height()).isEqualTo(683);

        float[] out = preprocessor.toMnistInput(big);
        assertThat(alignedMeanAbsoluteDifference(out, preprocessor.toMnistInput(blackSevenOnWhite(200))))
                .as(ascii(out)).isLessThan(0.02);
    }

    private void assertNoDigit(BufferedImage image) {
        assertThatThrownBy(() -> preprocessor.toMnistInput(image))
                .isInstanceOf(NoDigitFoundException.class)
                .hasMessage(MnistPreprocessor.NO_DIGIT);
    }

    /** Whether {@code pixels} has ink at (x, y) or next to it. */
    private static boolean inkNear(float[] pixels, int x, int y) {
        for (int yy = Math.max(0, y - 1); yy <= Math.min(27, y + 1); yy++) {
            for (int xx = Math.max(0, x - 1); xx <= Math.min(27, x + 1); xx++) {
                if (pixels[yy * 28 + xx] > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static float max(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }
}
