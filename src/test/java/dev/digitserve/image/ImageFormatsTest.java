package dev.digitserve.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.digitserve.support.ExifImages;
import dev.digitserve.support.TestImages;

/** Every accepted format decodes, is checked against its declared type and its header size; EXIF orientation. */
class ImageFormatsTest {
    private final ImageDecoder decoder = new ImageDecoder();
    private final DigitImageReader reader = new DigitImageReader();

    /** The seven in each format ImageIO can write, plus the committed WebP fixtures. */
    private static Map<String, byte[]> sevens() {
        BufferedImage seven = TestImages.blackSevenOnWhite(96);
        return Map.of(
                "image/png", TestImages.png(seven),
                "image/jpeg", TestImages.jpeg(seven, 0.9f),
                "image/gif", TestImages.encode(seven, "gif"),
                "image/bmp", TestImages.encode(seven, "bmp"),
                "image/tiff", TestImages.encode(seven, "tiff"),
                "image/webp", TestImages.resource("seven-lossless.webp"));
    }

    @Test
    void everyAcceptedFormatDecodesToTheSameDigit() {
        float[] reference = reader.toMnistInput(TestImages.resource("seven.png"), "image/png");
        Map<String, byte[]> sevens = sevens();
        assertThat(sevens.keySet()).containsExactlyInAnyOrderElementsOf(
                ImageFormat.accepted().stream().map(ImageFormat::mediaType).toList());
        for (var entry : sevens.entrySet()) {
            DecodedImage decoded = decoder.decode(entry.getValue(), entry.getKey());
            assertThat(decoded.format().mediaType()).isEqualTo(entry.getKey());
            assertThat(decoded.image().getWidth()).isEqualTo(96);
            assertThat(decoded.orientation()).isEqualTo(Orientation.TOP_LEFT);
            // same type undeclared (multipart parts sent as octet-stream) decodes the same
            assertThat(decoder.decode(entry.getValue(), "application/octet-stream").format()).isEqualTo(decoded.format());
            float[] input = reader.toMnistInput(entry.getValue(), entry.getKey());
            assertThat(TestImages.correlation(input, reference)).as(entry.getKey()).isGreaterThan(0.9);
        }
        float[] lossy = reader.toMnistInput(TestImages.resource("seven-lossy.webp"), "image/webp");
        assertThat(TestImages.correlation(lossy, reference)).isGreaterThan(0.9);
    }

    @Test
    void aDeclaredTypeThatDisagreesWithTheBytesIsRefusedNamingBoth() {
        Map<String, byte[]> sevens = sevens();
        for (var declared : sevens.keySet()) {
            for (var actual : sevens.entrySet()) {
                if (actual.getKey().equals(declared)) {
                    continue;
                }
                String actualName = ImageFormat.forMediaType(actual.getKey()).orElseThrow().displayName();
                assertThatThrownBy(() -> decoder.decode(actual.getValue(), declared))
                        .isInstanceOf(InvalidImageException.class)
                        .hasMessageContaining(declared).hasMessageContaining(actualName + " image");
            }
        }
        // aliases and parameters are the same type
        assertThat(decoder.decode(sevens.get("image/jpeg"), "image/JPG; q=1").format()).isEqualTo(ImageFormat.JPEG);
    }

    private static byte[] isoMedia(String brand) {
        return ByteBuffer.allocate(32).putInt(24).put("ftyp".getBytes(StandardCharsets.US_ASCII))
                .put(brand.getBytes(StandardCharsets.US_ASCII)).putInt(0)
                .put("mif1".getBytes(StandardCharsets.US_ASCII)).put(brand.getBytes(StandardCharsets.US_ASCII)).array();
    }

    @Test
    void heicAndOtherRecognisedFormatsAreUnsupportedNamingTheAcceptedOnes() {
        assertThatThrownBy(() -> decoder.decode(isoMedia("heic"), null))
                .isInstanceOf(UnsupportedImageTypeException.class)
                .hasMessageContaining("image/heic").hasMessageContaining("image/webp").hasMessageContaining("image/png");
        assertThat(ImageFormat.detect(isoMedia("avif"))).contains(ImageFormat.AVIF);
        assertThatThrownBy(() -> decoder.decode(sevens().get("image/png"), "image/heic"))
                .isInstanceOf(UnsupportedImageTypeException.class).hasMessageContaining("image/heic");
        assertThatThrownBy(() -> decoder.decode(sevens().get("image/png"), "text/plain"))
                .isInstanceOf(UnsupportedImageTypeException.class).hasMessageContaining("text/plain");
        assertThatThrownBy(() -> decoder.decode("%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII), null))
                .isInstanceOf(UnsupportedImageTypeException.class).hasMessageContaining("application/pdf");
        // a HEIC sent as a JPEG is a mismatch: the declared type is accepted, the bytes are not of it
        assertThatThrownBy(() -> decoder.decode(isoMedia("heic"), "image/jpeg"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("image/jpeg").hasMessageContaining("HEIC");
    }

    @Test
    void thePixelLimitAppliesToEveryFormat() {
        ImageDecoder small = new ImageDecoder(96 * 96 - 1);
        for (var entry : sevens().entrySet()) {
            assertThatThrownBy(() -> small.decode(entry.getValue(), entry.getKey())).as(entry.getKey())
                    .isInstanceOf(ImageTooLargeException.class);
        }
    }

    @Test
    void headersAnnouncingHugeImagesAreRefusedBeforeDecoding() {
        // BMP: file header and a BITMAPINFOHEADER announcing 20,000 x 20,000 at 24 bits, and no pixels
        ByteBuffer bmp = ByteBuffer.allocate(54).order(ByteOrder.LITTLE_ENDIAN);
        bmp.put((byte) 'B').put((byte) 'M').putInt(54).putInt(0).putInt(54)
                .putInt(40).putInt(20_000).putInt(20_000).putShort((short) 1).putShort((short) 24)
                .putInt(0).putInt(0).putInt(0).putInt(0).putInt(0).putInt(0);
        // GIF: a logical screen and first image descriptor of 65,535 x 65,535, then nothing
        ByteBuffer gif = ByteBuffer.allocate(13 + 10).order(ByteOrder.LITTLE_ENDIAN);
        gif.put("GIF89a".getBytes(StandardCharsets.US_ASCII)).putShort((short) -1).putShort((short) -1)
                .put((byte) 0).put((byte) 0).put((byte) 0)
                .put((byte) 0x2c).putShort((short) 0).putShort((short) 0).putShort((short) -1).putShort((short) -1).put((byte) 0);
        assertThatThrownBy(() -> decoder.decode(gif.array(), null)).isInstanceOf(ImageTooLargeException.class);
        // the JDK's BMP reader checks the announced size against the data in its header pass already
        assertThatThrownBy(() -> decoder.decode(bmp.array(), null)).isInstanceOf(InvalidImageException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void eachOrientationTurnsTheSevenUpright(int orientation) {
        BufferedImage upright = TestImages.blackSevenOnWhite(120);
        float[] expected = reader.toMnistInput(TestImages.png(upright), "image/png");
        BufferedImage stored = ExifImages.stored(upright, orientation);
        byte[] untaggedJpeg = TestImages.jpeg(stored, 0.95f);
        byte[] jpeg = ExifImages.withApp1(untaggedJpeg, ExifImages.orientationTiff(orientation, orientation % 2 == 0));
        byte[] png = ExifImages.withExifChunk(TestImages.png(stored), ExifImages.orientationTiff(orientation, orientation > 4));
        for (byte[] tagged : new byte[][] {jpeg, png}) {
            DecodedImage decoded = decoder.decode(tagged, null);
            assertThat(decoded.orientation().exifValue()).isEqualTo(orientation);
            float[] input = reader.toMnistInput(tagged, null);
            assertThat(TestImages.correlation(input, expected)).as(TestImages.ascii(input)).isGreaterThan(0.95);
        }
        if (orientation != 1) {
            // the test can fail: read as stored, the seven is mirrored or turned and looks different
            float[] sideways = reader.toMnistInput(untaggedJpeg, "image/jpeg");
            assertThat(TestImages.correlation(sideways, expected)).isLessThan(0.8);
        }
    }

    @Test
    void aWebpWithAnExifOrientationIsTurnedUpright() {
        DecodedImage decoded = decoder.decode(TestImages.resource("seven-sideways-orientation6.webp"), "image/webp");
        assertThat(decoded.orientation()).isEqualTo(Orientation.RIGHT_TOP);
        float[] expected = reader.toMnistInput(TestImages.resource("seven.png"), "image/png");
        float[] input = reader.toMnistInput(TestImages.resource("seven-sideways-orientation6.webp"), "image/webp");
        assertThat(TestImages.correlation(input, expected)).isGreaterThan(0.9);
    }

    @Test
    void malformedExifIsIgnored() {
        byte[] jpeg = TestImages.jpeg(TestImages.blackSevenOnWhite(60), 0.9f);
        byte[] png = TestImages.png(TestImages.blackSevenOnWhite(60));
        byte[] garbage = new byte[200];
        new java.util.Random(5).nextBytes(garbage);
        byte[] valid = ExifImages.orientationTiff(6, true);
        byte[] badType = valid.clone();
        badType[13] = (byte) 0x7f; // the entry's type is no TIFF type
        byte[] zeroCount = valid.clone();
        zeroCount[17] = 0; // the entry holds no value
        byte[][] tiffs = {garbage, Arrays.copyOf(valid, 12), badType, zeroCount, ExifImages.orientationTiff(0, true),
                ExifImages.orientationTiff(9, false), ExifImages.orientationTiff(-1, true), new byte[0]};
        for (byte[] tiff : tiffs) {
            for (byte[] tagged : new byte[][] {ExifImages.withApp1(jpeg, tiff), ExifImages.withExifChunk(png, tiff)}) {
                DecodedImage decoded = decoder.decode(tagged, null);
                assertThat(decoded.orientation()).isEqualTo(Orientation.TOP_LEFT);
                assertThat(decoded.image().getWidth()).isEqualTo(60);
            }
        }
    }
}
