package dev.digitserve.image;

import static dev.digitserve.support.TestImages.blackSevenOnWhite;
import static dev.digitserve.support.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

import dev.digitserve.support.TestImages;
import com.sun.management.ThreadMXBean;

import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder();

    @Test
    void decodesTheUsualKindsOfPngAndJpeg() {
        BufferedImage rgb = blackSevenOnWhite(60);
        int[] types = {BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_INT_RGB,
                BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_BYTE_BINARY};
        for (int type : types) {
            BufferedImage image = new BufferedImage(60, 40, type);
            Graphics2D g = image.createGraphics();
            g.drawImage(rgb, 0, 0, null);
            g.dispose();
            BufferedImage decoded = decoder.decode(png(image));
            assertThat(decoded.getWidth()).as("png of type %d", type).isEqualTo(60);
            assertThat(decoded.getHeight()).isEqualTo(40);
        }
        BufferedImage jpeg = decoder.decode(TestImages.jpeg(rgb, 0.9f));
        assertThat(jpeg.getWidth()).isEqualTo(60);
        BufferedImage greyJpeg = decoder.decode(TestImages.jpeg(TestImages.grey8(rgb), 0.9f));
        assertThat(greyJpeg.getColorModel().getNumComponents()).isEqualTo(1);
    }

    @Test
    void craftedPngBuilderMakesValidFiles() {
        // the builder used below is sound: with real pixel data its files decode
        BufferedImage image = decoder.decode(craftedPng(16, 9, true));
        assertThat(image.getWidth()).isEqualTo(16);
        assertThat(image.getHeight()).isEqualTo(9);
    }

    @Test
    void pngAnnouncing50000By50000PixelsIsRefusedFromItsHeader() {
        // 16-bit RGBA: decoding would need 20 GB. The file is a few dozen bytes with valid CRCs.
        byte[] bomb = craftedPng(50_000, 50_000, false);
        assertThat(bomb.length).isLessThan(100);
        decoder.decode(png(blackSevenOnWhite(8))); // ImageIO's one-off set-up is not what is measured

        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        ImageTooLargeException e = tooLarge(() -> decoder.decode(bomb));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(allocated).as("bytes allocated while refusing").isLessThan(4_000_000);
        assertThat(e.width()).isEqualTo(50_000);
        assertThat(e.height()).isEqualTo(50_000);
        assertThat(e.maxPixels()).isEqualTo(ImageDecoder.DEFAULT_MAX_PIXELS);
        assertThat(e).hasMessage("the image is 50000 x 50000 pixels; "
                + "at most 16000000 pixels in all and 65535 per side are accepted: send a smaller image");
    }

    @Test
    void overlongSideIsRefusedFromItsHeaderWhateverThePixelCount() {
        ImageTooLargeException e = tooLarge(() -> decoder.decode(craftedPng(70_000, 1, false)));
        assertThat(e.width()).isEqualTo(70_000);
    }

    @Test
    void jpegAnnouncingAHugeImageIsRefusedFromItsHeader() {
        byte[] jpeg = TestImages.jpeg(blackSevenOnWhite(32), 0.9f);
        int sof = indexOf(jpeg, new byte[] {(byte) 0xFF, (byte) 0xC0});
        assertThat(sof).as("baseline SOF0 marker").isPositive();
        // SOF0: marker, length (2), precision (1), height (2), width (2)
        jpeg[sof + 5] = (byte) 0xEA;
        jpeg[sof + 6] = (byte) 0x60; // 60000
        jpeg[sof + 7] = (byte) 0xEA;
        jpeg[sof + 8] = (byte) 0x60;

        ImageTooLargeException e = tooLarge(() -> decoder.decode(jpeg));
        assertThat(e.width()).isEqualTo(60_000);
        assertThat(e.height()).isEqualTo(60_000);
    }

    @Test
    void pixelLimitIsConfigurable() {
        byte[] twentyByTwenty = png(blackSevenOnWhite(20));
        assertThat(new ImageDecoder(400).decode(twentyByTwenty).getWidth()).isEqualTo(20);
        assertThatThrownBy(() -> new ImageDecoder(399).decode(twentyByTwenty))
                .isInstanceOf(ImageTooLargeException.class);
        assertThatThrownBy(() -> new ImageDecoder(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emptyInputIsInvalid() {
        assertInvalid(new byte[0]).hasMessage(ImageDecoder.EMPTY);
        assertInvalid(null).hasMessage(ImageDecoder.EMPTY);
    }

    @Test
    void randomBytesAreInvalid() {
        Random random = new Random(11);
        for (int length : new int[] {1, 7, 100, 5000}) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            assertInvalid(bytes).hasMessage(ImageDecoder.UNSUPPORTED);
        }
        assertInvalid("hello, I am not an image".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void signatureFollowedByGarbageIsInvalid() {
        Random random = new Random(12);
        byte[] png = png(blackSevenOnWhite(40));
        byte[] jpeg = TestImages.jpeg(blackSevenOnWhite(40), 0.9f);
        for (byte[] valid : new byte[][] {png, jpeg}) {
            byte[] garbage = Arrays.copyOf(valid, 400);
            byte[] tail = new byte[garbage.length - 8];
            random.nextBytes(tail);
            System.arraycopy(tail, 0, garbage, 8, tail.length);
            assertInvalid(garbage).hasMessage(ImageDecoder.CORRUPT);
        }
    }

    @Test
    void gifAndBmpAreDecodedToo() {
        // refused before issue 19; the other formats are covered by ImageFormatsTest
        for (String format : new String[] {"gif", "bmp"}) {
            BufferedImage image = TestImages.canvas(30, 30, BufferedImage.TYPE_INT_RGB, Color.WHITE);
            assertThat(decoder.decode(TestImages.encode(image, format)).getWidth()).isEqualTo(30);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.01, 0.03, 0.1, 0.5, 0.9, 0.99})
    void truncatedPngIsInvalid(double kept) {
        // cut inside the header or the pixel data; a PNG that lacks only its IEND chunk still has all its
        // pixels and is accepted
        for (byte[] png : new byte[][] {png(noisyImage()), TestImages.progressive(noisyImage(), "png")}) {
            assertInvalid(Arrays.copyOf(png, Math.max(1, (int) (png.length * kept))));
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.05, 0.3, 0.6, 0.9, 0.99})
    void truncatedJpegIsInvalid(double kept) {
        // ImageIO decodes these "successfully", filling the missing part with grey, and only warns
        for (byte[] jpeg : new byte[][] {TestImages.jpeg(noisyImage(), 0.9f),
                TestImages.progressive(noisyImage(), "jpeg")}) {
            assertInvalid(Arrays.copyOf(jpeg, (int) (jpeg.length * kept)));
        }
    }

    @Test
    void corruptPixelDataIsInvalid() {
        byte[] png = png(noisyImage());
        int idat = indexOf(png, "IDAT".getBytes(StandardCharsets.US_ASCII));
        for (int i = idat + 20; i < idat + 60; i++) {
            png[i] ^= (byte) 0x5A; // zlib's checksum catches it
        }
        assertInvalid(png);
    }

    @Test
    void mutatedFilesFailOnlyWithTheDocumentedExceptions() {
        // a small fuzz run: whatever ImageIO throws inside must come out as one of our two exceptions
        ImageDecoder small = new ImageDecoder(1_000_000);
        Random random = new Random(2024);
        byte[][] seeds = {png(blackSevenOnWhite(48)), TestImages.jpeg(blackSevenOnWhite(48), 0.8f),
                png(TestImages.grey8(blackSevenOnWhite(48)))};
        int decoded = 0;
        int refused = 0;
        for (int round = 0; round < 300; round++) {
            byte[] seed = seeds[round % seeds.length];
            byte[] mutant = Arrays.copyOf(seed, seed.length);
            int changes = 1 + random.nextInt(8);
            for (int c = 0; c < changes; c++) {
                mutant[random.nextInt(mutant.length)] = (byte) random.nextInt(256);
            }
            if (random.nextBoolean()) {
                mutant = Arrays.copyOf(mutant, 1 + random.nextInt(mutant.length));
            }
            byte[] input = mutant;
            Throwable thrown = catchThrowable(() -> small.decode(input));
            if (thrown == null) {
                decoded++;
            } else {
                refused++;
                assertThat(thrown).as("round %d", round)
                        .isInstanceOfAny(InvalidImageException.class, ImageTooLargeException.class);
                assertClientSafe(thrown.getMessage());
            }
        }
        assertThat(decoded + refused).isEqualTo(300);
        assertThat(refused).as("most mutants are broken").isGreaterThan(100);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(byte[] bytes) {
        Throwable thrown = catchThrowable(() -> decoder.decode(bytes));
        assertThat(thrown).isExactlyInstanceOf(InvalidImageException.class);
        assertClientSafe(thrown.getMessage());
        return assertThat(thrown);
    }

    /** No stack trace, class or package name, path or decoder wording reaches the client. */
    static void assertClientSafe(String message) {
        assertThat(message).isNotBlank()
                .doesNotContain("Exception", "java", "javax", "imageio", "\tat ", "/", "\\", "\n")
                .doesNotContainIgnoringCase("EOF").doesNotContainIgnoringCase("zlib");
    }

    /** The {@link ImageTooLargeException} that {@code call} throws. */
    private static ImageTooLargeException tooLarge(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(ImageTooLargeException.class);
        assertClientSafe(thrown.getMessage());
        return (ImageTooLargeException) thrown;
    }

    /** A picture that compresses badly, so truncation points fall inside the pixel data. */
    private static BufferedImage noisyImage() {
        Random random = new Random(5);
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    /**
     * A 16-bit RGBA PNG of the given size with correct chunk CRCs. With {@code pixels} the IDAT holds
     * real (black) scanlines; without, a token IDAT, as in a file that only lies about its size.
     */
    static byte[] craftedPng(int width, int height, boolean pixels) {
        try {
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream header = new DataOutputStream(ihdr);
            header.writeInt(width);
            header.writeInt(height);
            header.writeByte(16); // bit depth
            header.writeByte(6); // colour type: RGBA
            header.writeByte(0); // compression
            header.writeByte(0); // filter
            header.writeByte(0); // interlace
            chunk(file, "IHDR", ihdr.toByteArray());
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            try (DeflaterOutputStream zlib = new DeflaterOutputStream(idat, new Deflater(9))) {
                int rows = pixels ? height : 1;
                byte[] scanline = new byte[1 + (pixels ? width * 8 : 8)]; // filter byte + samples
                for (int y = 0; y < rows; y++) {
                    zlib.write(scanline);
                }
            }
            chunk(file, "IDAT", idat.toByteArray());
            chunk(file, "IEND", new byte[0]);
            return file.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream file, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(file);
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
