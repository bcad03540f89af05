package dev.digitserve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;

import dev.digitserve.support.TestImages;
import org.junit.jupiter.api.Test;

class DigitImageReaderTest {

    @Test
    void turnsPngAndJpegBytesInto784Floats() {
        DigitImageReader reader = new DigitImageReader();
        BufferedImage seven = TestImages.blackSevenOnWhite(120);

        float[] expected = new MnistPreprocessor().toMnistInput(seven);
        // the PNG comes back as 3-byte BGR, read by another path: equal up to float rounding
        assertThat(TestImages.maxAbsoluteDifference(reader.toMnistInput(TestImages.png(seven)), expected))
                .isLessThan(1e-5);
        assertThat(reader.toMnistInput(TestImages.jpeg(seven, 0.9f))).hasSize(MnistPreprocessor.PIXELS);
    }

    @Test
    void passesEveryRefusalOnUnchanged() {
        DigitImageReader reader = new DigitImageReader(new ImageDecoder(10_000), new MnistPreprocessor());

        assertThatThrownBy(() -> reader.toMnistInput(new byte[0])).isExactlyInstanceOf(InvalidImageException.class);
        assertThatThrownBy(() -> reader.toMnistInput(TestImages.png(TestImages.blackSevenOnWhite(101))))
                .isInstanceOf(ImageTooLargeException.class);
        BufferedImage blank = TestImages.canvas(40, 40, BufferedImage.TYPE_INT_RGB, Color.WHITE);
        assertThatThrownBy(() -> reader.toMnistInput(TestImages.png(blank)))
                .isInstanceOf(NoDigitFoundException.class);
    }
}
