package dev.digitserve.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsImagesAndLabelsWrittenByTheTest() throws IOException {
        byte[] pixels = new byte[2 * 3 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 10);
        }
        Path images = write("images", header(2051, 2, 3, 4), pixels);
        Path labels = write("labels", header(2049, 2), new byte[] {7, 1});

        IdxReader.IdxImages read = IdxReader.readImages(images);

        assertThat(read.count()).isEqualTo(2);
        assertThat(read.rows()).isEqualTo(3);
        assertThat(read.cols()).isEqualTo(4);
        assertThat(read.pixels()).containsExactly(pixels);
        assertThat(IdxReader.readLabels(labels)).containsExactly(7, 1);
    }

    @Test
    void pixelsAreUnsignedBytes() throws IOException {
        Path images = write("images", header(2051, 1, 28, 28), filled(784, (byte) 0xff));
        Path labels = write("labels", header(2049, 1), new byte[] {3});
        Files.move(images, dir.resolve(MnistFile.TEST_IMAGES.fileName()));
        Files.move(labels, dir.resolve(MnistFile.TEST_LABELS.fileName()));

        MnistDataset data = Mnist.test(dir);

        assertThat(data.pixel(0, 0)).isEqualTo(1.0f);
        assertThat(data.label(0)).isEqualTo(3);
    }

    @Test
    void truncatedImageFileNamesTheFileAndTheShortfall() throws IOException {
        Path images = write("images", header(2051, 2, 28, 28), new byte[784 + 100]);

        assertThatThrownBy(() -> IdxReader.readImages(images))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining(images.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("1568");
    }

    @Test
    void truncatedHeaderIsReported() throws IOException {
        Path labels = write("labels", new byte[] {0, 0, 8});

        assertThatThrownBy(() -> IdxReader.readLabels(labels))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("truncated header");
    }

    @Test
    void wrongMagicNumberIsReported() throws IOException {
        Path labelsPretendingToBeImages = write("labels", header(2049, 8), new byte[8]);

        assertThatThrownBy(() -> IdxReader.readImages(labelsPretendingToBeImages))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("wrong magic number 2049, expected 2051");
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        write(MnistFile.TEST_IMAGES.fileName(), header(2051, 2, 28, 28), new byte[2 * 784]);
        write(MnistFile.TEST_LABELS.fileName(), header(2049, 3), new byte[] {1, 2, 3});

        assertThatThrownBy(() -> Mnist.test(dir))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("2 images")
                .hasMessageContaining("3 labels");
    }

    @Test
    void imagesMustBe28By28() throws IOException {
        write(MnistFile.TEST_IMAGES.fileName(), header(2051, 1, 32, 32), new byte[32 * 32]);
        write(MnistFile.TEST_LABELS.fileName(), header(2049, 1), new byte[] {1});

        assertThatThrownBy(() -> Mnist.test(dir))
                .isInstanceOf(IdxFormatException.class)
                .hasMessageContaining("32x32, expected 28x28");
    }

    @Test
    void labelsOutsideZeroToNineAreRejected() throws IOException {
        write(MnistFile.TEST_IMAGES.fileName(), header(2051, 1, 28, 28), new byte[784]);
        write(MnistFile.TEST_LABELS.fileName(), header(2049, 1), new byte[] {12});

        assertThatThrownBy(() -> Mnist.test(dir)).hasMessageContaining("label 12 at index 0");
    }

    @Test
    void missingFilesGiveAnActionableMessage() {
        assertThatThrownBy(() -> Mnist.train(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("train-images-idx3-ubyte");
    }

    private static byte[] header(int magic, int... dims) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length);
        buffer.putInt(magic);
        for (int d : dims) {
            buffer.putInt(d);
        }
        return buffer.array();
    }

    private static byte[] filled(int n, byte value) {
        byte[] bytes = new byte[n];
        Arrays.fill(bytes, value);
        return bytes;
    }

    private Path write(String name, byte[]... parts) throws IOException {
        int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        ByteBuffer all = ByteBuffer.allocate(length);
        for (byte[] part : parts) {
            all.put(part);
        }
        return Files.write(dir.resolve(name), all.array());
    }
}
