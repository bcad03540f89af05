package dev.digitserve.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import dev.digitserve.image.DecodedImage;
import dev.digitserve.image.ImageFormat;
import dev.digitserve.image.ImageIoPlugins;
import dev.digitserve.image.OrientationReader;
import dev.digitserve.image.UnsupportedImageTypeException;

/**
 * Decodes an uploaded PNG, JPEG, WebP, GIF, BMP or TIFF into a {@link BufferedImage}, refusing what is
 * unsafe or pointless to decode. What a caller can rely on:
 * <ul>
 * <li>The format is recognised from the content's magic bytes ({@link ImageFormat#detect}). A declared
 * media type, when given, must name an accepted format ({@link UnsupportedImageTypeException}, 415,
 * otherwise) and agree with the content ({@link InvalidImageException} naming both otherwise). Content
 * recognised as a refused format (HEIC, AVIF, ...) is an {@link UnsupportedImageTypeException}; content
 * not recognised at all is an {@link InvalidImageException}.</li>
 * <li>The width and height are read from the header before any pixel is decoded; if width x height
 * exceeds {@link #maxPixels()}, or a side exceeds {@value #MAX_SIDE} pixels (JPEG's own limit), the call
 * fails with {@link ImageTooLargeException} without allocating the pixel buffer, so a small file
 * announcing 50,000 x 50,000 pixels costs almost nothing. The side limit keeps per-row buffers
 * downstream small: a 16,000,000 x 1 picture would pass the pixel limit.</li>
 * <li>Empty input, unknown formats, truncated or corrupt data and decoder failures of any kind become an
 * {@link InvalidImageException} with a client-safe message (the decoder's own exception is kept as the
 * cause, for logs). The JPEG decoder does not fail on a truncated file: it fills the missing part with grey
 * and reports a warning; any such warning is treated as corruption, because the filled area would look
 * like content.</li>
 * <li>Only the first image of a file is read (the first frame of a GIF or WebP animation, the first
 * page of a TIFF). ImageIO skips metadata; the EXIF orientation is read separately by
 * {@link OrientationReader} (never failing) and returned beside the stored pixels, which are not turned.
 * Grey, RGB, alpha, palette and 16-bit images are returned as ImageIO decodes them;
 * {@link MnistPreprocessor} turns any of them into luminance.</li>
 * <li>Nothing touches the disk: the bytes are read through a memory cache (ImageIO's default stream
 * factory would spill to temporary files). No display is needed; it runs headless.</li>
 * <li>Instances are immutable and thread-safe; every call uses its own {@link ImageReader}.</li>
 * </ul>
 * A header check bounds memory, not CPU: a progressive JPEG with many scans still costs decoding time
 * proportional to its scans, within the pixel limit.
 */
final class ImageDecoder {
    /** 16 megapixels: a 12-megapixel phone photo passes, a decompression bomb does not. */
    public static final long DEFAULT_MAX_PIXELS = 16_000_000L;
    /** Longest side accepted, whatever the pixel limit: the largest that JPEG can express. */
    public static final int MAX_SIDE = 65_535;

    static final String EMPTY = "the image is empty (0 bytes)";
    static final String UNSUPPORTED = "the data is not a PNG, JPEG, WebP, GIF, BMP or TIFF image";
    static final String CORRUPT = "the image could not be decoded: it is truncated, corrupt, "
            + "or uses a variant of its format that is not supported (such as CMYK JPEG)";
    /** Declared types that say nothing about the format: the content decides. */
    private static final List<String> UNDECLARED = List.of("", "application/octet-stream", "*/*");

    private final long maxPixels;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /** @param maxPixels the largest width x height accepted, at least 1 */
    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be at least 1, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
        ImageIoPlugins.ensureRegistered();
    }

    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Decodes the first image in {@code bytes}.
     *
     * @throws InvalidImageException  when the bytes are empty, not PNG/JPEG, truncated or corrupt
     * @throws ImageTooLargeException when the header announces more than {@link #maxPixels()} pixels
     */
    public BufferedImage decode(byte[] bytes) {
        return decode(bytes, null).image();
    }

    /**
     * Decodes the first image in {@code bytes}, checking it against the declared media type, and reads
     * its EXIF orientation.
     *
     * @param declaredType the Content-Type the client sent for these bytes; null, empty or
     *                     {@code application/octet-stream} when it declared nothing useful
     * @throws UnsupportedImageTypeException when the declared type or the content is a format not accepted
     * @throws InvalidImageException         when the bytes are empty, unrecognised, not of the declared
     *                                       format, truncated or corrupt
     * @throws ImageTooLargeException        when the header announces more than {@link #maxPixels()} pixels
     */
    public DecodedImage decode(byte[] bytes, String declaredType) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidImageException(EMPTY);
        }
        ImageFormat format = checkedFormat(bytes, declaredType);
        return new DecodedImage(pixels(bytes, format), format, OrientationReader.read(bytes, format));
    }

    private static ImageFormat checkedFormat(byte[] bytes, String declaredType) {
        String bare = declaredType == null ? "" : declaredType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        Optional<ImageFormat> declared = Optional.empty();
        if (!UNDECLARED.contains(bare)) {
            declared = ImageFormat.forMediaType(bare);
            if (declared.isEmpty() || !declared.get().isAccepted()) {
                throw UnsupportedImageTypeException.declared(bare);
            }
        }
        Optional<ImageFormat> detected = ImageFormat.detect(bytes);
        if (declared.isPresent() && detected.isPresent() && declared.get() != detected.get()) {
            throw new InvalidImageException("the content type is " + bare + " but the data is a "
                    + detected.get().displayName() + " image (" + detected.get().mediaType()
                    + "): send it with the content type that matches the file");
        }
        if (detected.isEmpty()) {
            throw new InvalidImageException(UNSUPPORTED);
        }
        if (!detected.get().isAccepted()) {
            throw UnsupportedImageTypeException.detected(detected.get());
        }
        return detected.get();
    }

    private BufferedImage pixels(byte[] bytes, ImageFormat format) {
        try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(input, format);
            try {
                return read(reader, input);
            } finally {
                reader.dispose();
            }
        } catch (InvalidImageException | ImageTooLargeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO's readers answer malformed input with IIOException but also with
            // ArrayIndexOutOfBounds, IllegalArgument, IllegalState, NegativeArraySize and friends.
            throw new InvalidImageException(CORRUPT, e);
        }
    }

    /** A reader of {@code format} that recognises the data (ImageIO's own, stricter, check of the header). */
    private static ImageReader reader(ImageInputStream input, ImageFormat format) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            if (format.imageIoName().equals(formatName(reader))) {
                return reader;
            }
            reader.dispose();
        }
        throw new InvalidImageException(CORRUPT);
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return "";
        }
    }

    private BufferedImage read(ImageReader reader, ImageInputStream input) throws IOException {
        // seekForwardOnly: nothing before the current image is kept; ignoreMetadata: text, ICC and EXIF
        // chunks are skipped rather than inflated into memory (palette and tRNS are still honoured).
        reader.setInput(input, true, true);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        if (width <= 0 || height <= 0) {
            throw new InvalidImageException(CORRUPT);
        }
        if ((long) width * height > maxPixels || width > MAX_SIDE || height > MAX_SIDE) {
            throw new ImageTooLargeException(width, height, maxPixels, MAX_SIDE);
        }
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        BufferedImage image = reader.read(0);
        if (!warnings.isEmpty()) {
            throw new InvalidImageException(CORRUPT, new IIOException(String.join("; ", warnings)));
        }
        if (image == null || image.getWidth() != width || image.getHeight() != height) {
            throw new InvalidImageException(CORRUPT);
        }
        return image;
    }
}
