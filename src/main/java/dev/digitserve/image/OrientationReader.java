package dev.digitserve.image;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.lang.ByteArrayReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifDirectoryBase;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;

/**
 * Reads the EXIF {@code Orientation} of an uploaded image, with metadata-extractor's EXIF reader:
 * from a JPEG's APP1 segments, a PNG's {@code eXIf} chunk, a WebP's {@code EXIF} chunk or a TIFF's first
 * IFD. GIF and BMP carry no EXIF and are {@link Orientation#TOP_LEFT}.
 *
 * <p>Never fails: missing, malformed or out-of-range metadata is {@link Orientation#TOP_LEFT} (logged at
 * debug), because a photo shown sideways is a better answer than a 500 or a refusal. Only the container
 * walk that finds the EXIF bytes is done here (PNG chunks, RIFF chunks); the EXIF/TIFF structure itself is
 * parsed by the library. Only the EXIF segment is handed to it: ICC profiles, XMP and compressed text
 * chunks are never parsed or inflated, so the cost is bounded by the size of the EXIF data. Stateless and
 * thread-safe.
 */
public final class OrientationReader {
    private static final Logger log = LoggerFactory.getLogger(OrientationReader.class);
    private static final byte[] EXIF_PREAMBLE = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);

    private OrientationReader() {
    }

    /** The orientation tagged in {@code bytes}, which hold an image of {@code format}. */
    public static Orientation read(byte[] bytes, ImageFormat format) {
        try {
            Metadata metadata = switch (format) {
                case JPEG -> JpegMetadataReader.readMetadata(new ByteArrayInputStream(bytes), List.of(new ExifReader()));
                case PNG -> exif(pngExifChunk(bytes));
                case WEBP -> exif(webpExifChunk(bytes));
                case TIFF -> exif(bytes);
                default -> null;
            };
            if (metadata == null) {
                return Orientation.TOP_LEFT;
            }
            for (ExifIFD0Directory ifd0 : metadata.getDirectoriesOfType(ExifIFD0Directory.class)) {
                Integer value = ifd0.getInteger(ExifDirectoryBase.TAG_ORIENTATION);
                if (value != null) {
                    return Orientation.fromExif(value);
                }
            }
        } catch (Exception e) {
            // malformed metadata in an otherwise decodable picture: show it as stored
            log.debug("ignoring unreadable EXIF metadata in a {} upload", format, e);
        }
        return Orientation.TOP_LEFT;
    }

    private static Metadata exif(byte[] tiff) {
        if (tiff == null) {
            return null;
        }
        // some writers put JPEG's "Exif\0\0" preamble inside PNG and WebP chunks too
        int start = startsWith(tiff, 0, EXIF_PREAMBLE) ? EXIF_PREAMBLE.length : 0;
        Metadata metadata = new Metadata();
        new ExifReader().extract(new ByteArrayReader(tiff, start), metadata);
        return metadata;
    }

    /** The data of the first {@code eXIf} chunk before the image data, or null. */
    static byte[] pngExifChunk(byte[] png) {
        int offset = 8;
        while (offset + 8 <= png.length) {
            long length = readInt(png, offset, false) & 0xffffffffL;
            String type = new String(png, offset + 4, 4, StandardCharsets.ISO_8859_1);
            long dataEnd = offset + 8L + length;
            if (dataEnd > png.length || "IEND".equals(type)) {
                return null;
            }
            if ("eXIf".equals(type)) {
                return Arrays.copyOfRange(png, offset + 8, (int) dataEnd);
            }
            offset = (int) dataEnd + 4; // skip the CRC
        }
        return null;
    }

    /** The data of the {@code EXIF} chunk of a RIFF/WebP file (extended format), or null. */
    static byte[] webpExifChunk(byte[] webp) {
        int offset = 12;
        while (offset + 8 <= webp.length) {
            long length = readInt(webp, offset + 4, true) & 0xffffffffL;
            long dataEnd = offset + 8L + length;
            if (dataEnd > webp.length) {
                return null;
            }
            if (startsWith(webp, offset, "EXIF".getBytes(StandardCharsets.ISO_8859_1))) {
                return Arrays.copyOfRange(webp, offset + 8, (int) dataEnd);
            }
            offset = (int) (dataEnd + (length & 1)); // chunks are padded to an even size
        }
        return null;
    }

    private static int readInt(byte[] bytes, int offset, boolean littleEndian) {
        int b0 = bytes[offset] & 0xff;
        int b1 = bytes[offset + 1] & 0xff;
        int b2 = bytes[offset + 2] & 0xff;
        int b3 = bytes[offset + 3] & 0xff;
        return littleEndian ? b0 | b1 << 8 | b2 << 16 | b3 << 24 : b0 << 24 | b1 << 16 | b2 << 8 | b3;
    }

    private static boolean startsWith(byte[] bytes, int offset, byte[] prefix) {
        if (bytes.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
