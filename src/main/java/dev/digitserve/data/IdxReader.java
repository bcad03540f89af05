package dev.digitserve.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the IDX format of the original MNIST files: a big-endian magic number (2051 for
 * unsigned-byte images of rank 3, 2049 for unsigned-byte labels of rank 1), the dimension sizes as
 * big-endian ints, then the raw bytes. Every structural fault becomes an {@link IdxFormatException}
 * that names the file and what was expected; nothing is guessed or padded.
 */
public final class IdxReader {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /** Images of {@code rows x cols} unsigned bytes, in file order. */
    public record IdxImages(int count, int rows, int cols, byte[] pixels) {
        public int pixelsPerImage() {
            return rows * cols;
        }
    }

    public static IdxImages readImages(Path file) {
        ByteBuffer buffer = ByteBuffer.wrap(readAll(file));
        requireHeader(file, buffer, 16, IMAGES_MAGIC, "images (unsigned bytes, 3 dimensions)");
        int count = buffer.getInt();
        int rows = buffer.getInt();
        int cols = buffer.getInt();
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IdxFormatException(file + ": invalid dimensions " + count + "x" + rows + "x" + cols);
        }
        long expected = (long) count * rows * cols;
        requireBody(file, buffer, expected, count + " images of " + rows + "x" + cols);
        byte[] pixels = new byte[(int) expected];
        buffer.get(pixels);
        return new IdxImages(count, rows, cols, pixels);
    }

    public static byte[] readLabels(Path file) {
        ByteBuffer buffer = ByteBuffer.wrap(readAll(file));
        requireHeader(file, buffer, 8, LABELS_MAGIC, "labels (unsigned bytes, 1 dimension)");
        int count = buffer.getInt();
        if (count < 0) {
            throw new IdxFormatException(file + ": negative label count " + count);
        }
        requireBody(file, buffer, count, count + " labels");
        byte[] labels = new byte[count];
        buffer.get(labels);
        return labels;
    }

    private static void requireHeader(Path file, ByteBuffer buffer, int headerBytes, int magic, String what) {
        if (buffer.remaining() < headerBytes) {
            throw new IdxFormatException(file + ": truncated header, expected " + headerBytes
                    + " bytes for IDX " + what + " but the file has " + buffer.remaining());
        }
        int actual = buffer.getInt();
        if (actual != magic) {
            throw new IdxFormatException(file + ": wrong magic number " + actual + ", expected " + magic
                    + " for IDX " + what);
        }
    }

    private static void requireBody(Path file, ByteBuffer buffer, long expected, String what) {
        if (buffer.remaining() != expected) {
            throw new IdxFormatException(file + ": the header announces " + what + " (" + expected
                    + " bytes) but " + buffer.remaining() + " bytes follow"
                    + (buffer.remaining() < expected ? " (truncated file)" : " (trailing data)"));
        }
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX file " + file, e);
        }
    }
}
