package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.digitserve.inference.Images;

/** The artificial-data transforms on synthetic 28x28 images. */
class AugmentationTest {

    /** A vertical stroke at column {@code x}, rows 6..21, with a foot to the right on row 21 (asymmetric). */
    private static float[] stroke(int x) {
        float[] image = new float[Images.PIXELS];
        for (int y = 6; y <= 21; y++) {
            image[y * 28 + x] = 1f;
        }
        for (int dx = 1; dx <= 5; dx++) {
            image[21 * 28 + x + dx] = 1f;
        }
        return image;
    }

    private static double ink(float[] image) {
        double total = 0;
        for (float v : image) {
            total += v;
        }
        return total;
    }

    @Test
    void aShiftMovesTheStrokeByTheAskedPixels() {
        float[] image = stroke(10);
        float[] out = new float[Images.PIXELS];
        Augmentation.affine(image, 0, out, 0, 1, 3, -2);
        for (int y = 6; y <= 21; y++) {
            assertThat(out[(y - 2) * 28 + 13]).as("row %d", y).isEqualTo(1f);
            assertThat(out[(y - 2) * 28 + 10]).isEqualTo(0f);
        }
        assertThat(ink(out)).isEqualTo(ink(image), within(1e-4));
    }

    @Test
    void aRotationKeepsTheCentreOfMass() {
        float[] image = stroke(12);
        double[] before = Augmentation.centreOfMass(image, 0);
        float[] out = new float[Images.PIXELS];
        Augmentation.affine(image, 0, out, Math.toRadians(20), 1, 0, 0);
        double[] after = Augmentation.centreOfMass(out, 0);
        assertThat(after[0]).isCloseTo(before[0], within(0.3));
        assertThat(after[1]).isCloseTo(before[1], within(0.3));
        assertThat(out).isNotEqualTo(image);
    }

    @Test
    void theNoneOptionsLeaveImagesUntouchedAndSeededRunsRepeat() {
        float[] images = new float[2 * Images.PIXELS];
        System.arraycopy(stroke(9), 0, images, 0, Images.PIXELS);
        System.arraycopy(stroke(15), 0, images, Images.PIXELS, Images.PIXELS);
        float[] untouched = images.clone();
        Augmentation.NONE.augment(images, 2, new Random(1));
        assertThat(images).isEqualTo(untouched);
        assertThat(Augmentation.NONE.enabled()).isFalse();

        Augmentation options = new Augmentation(15, 2, 0.9, 1.1, 34, 4);
        float[] a = untouched.clone();
        float[] b = untouched.clone();
        options.augment(a, 2, new Random(7));
        options.augment(b, 2, new Random(7));
        assertThat(a).isEqualTo(b).isNotEqualTo(untouched);
        for (float v : a) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    @Test
    void anElasticDistortionBendsButKeepsMostOfTheInk() {
        float[] image = stroke(14);
        float[] warped = Augmentation.elastic(image, new Random(3), 34, 4);
        assertThat(warped).isNotEqualTo(image);
        assertThat(ink(warped)).isCloseTo(ink(image), within(0.25 * ink(image)));
    }

    @Test
    void optionsOutsideTheirRangesAreRefused() {
        assertThatThrownBy(() -> new Augmentation(90, 0, 1, 1, 0, 0)).hasMessageContaining("rotation");
        assertThatThrownBy(() -> new Augmentation(0, 0, 1, 1, 10, 0)).hasMessageContaining("elastic-sigma");
    }
}
