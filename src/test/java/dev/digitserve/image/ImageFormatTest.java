package dev.digitserve.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ImageFormatTest {
    @Test
    void mediaTypeConstantsMatchTheFormats() {
        assertThat(ImageFormat.accepted()).extracting(ImageFormat::mediaType).containsExactly(
                ImageMediaTypes.PNG, ImageMediaTypes.JPEG, ImageMediaTypes.WEBP, ImageMediaTypes.GIF,
                ImageMediaTypes.BMP, ImageMediaTypes.TIFF);
        assertThat(ImageFormat.acceptedMediaTypes()).isEqualTo(
                "image/png, image/jpeg, image/webp, image/gif, image/bmp, image/tiff");
    }

    @Test
    void textAndRandomBytesAreNoFormat() {
        assertThat(ImageFormat.detect("BM is not a bitmap header".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(ImageFormat.detect(new byte[0])).isEmpty();
        assertThat(ImageFormat.detect(null)).isEmpty();
        Random random = new Random(3);
        int recognised = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] bytes = new byte[64];
            random.nextBytes(bytes);
            recognised += ImageFormat.detect(bytes).isPresent() ? 1 : 0;
        }
        // only the 2-byte JPEG XL and 4-byte signatures can match by chance: well under 1%
        assertThat(recognised).isLessThan(10);
    }

    @Test
    void unknownMediaTypesAreEmpty() {
        assertThat(ImageFormat.forMediaType("image/x-unknown")).isEmpty();
        assertThat(ImageFormat.forMediaType(null)).isEmpty();
        assertThat(ImageFormat.forMediaType(" IMAGE/WEBP ")).contains(ImageFormat.WEBP);
        assertThat(ImageFormat.forMediaType("image/heic")).hasValueSatisfying(f -> assertThat(f.isAccepted()).isFalse());
    }
}
