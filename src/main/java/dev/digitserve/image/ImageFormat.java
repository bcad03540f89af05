package dev.digitserve.image;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The image formats digitserve recognises from their first bytes ("magic bytes"): the six it decodes
 * ({@link #isAccepted()}: PNG, JPEG, WebP, GIF, BMP, TIFF) and a few common ones it refuses by name
 * (HEIC/HEIF and AVIF from phones, JPEG XL, JPEG 2000, icons, Photoshop files, PDF), so that a client
 * is told what it sent rather than "not an image".
 *
 * <p>Recognition looks at no more than the first 64 bytes and never fails: data it does not know is
 * {@link Optional#empty()}. Media types are matched without parameters, case-insensitively, with the
 * common aliases ({@code image/jpg}, {@code image/x-ms-bmp}, ...). Immutable and thread-safe.
 */
public enum ImageFormat {
    PNG(ImageMediaTypes.PNG, "png", "PNG"),
    JPEG(ImageMediaTypes.JPEG, "jpeg", "JPEG", "image/jpg", "image/pjpeg"),
    WEBP(ImageMediaTypes.WEBP, "webp", "WebP"),
    GIF(ImageMediaTypes.GIF, "gif", "GIF"),
    BMP(ImageMediaTypes.BMP, "bmp", "BMP", "image/x-bmp", "image/x-ms-bmp"),
    TIFF(ImageMediaTypes.TIFF, "tiff", "TIFF", "image/tif", "image/x-tiff"),
    HEIC("image/heic", null, "HEIC", "image/heic-sequence"),
    HEIF("image/heif", null, "HEIF", "image/heif-sequence"),
    AVIF("image/avif", null, "AVIF"),
    JPEG_XL("image/jxl", null, "JPEG XL"),
    JPEG_2000("image/jp2", null, "JPEG 2000", "image/jpx", "image/jpm"),
    ICO("image/vnd.microsoft.icon", null, "ICO", "image/x-icon"),
    PSD("image/vnd.adobe.photoshop", null, "Photoshop", "image/x-photoshop", "image/psd"),
    PDF("application/pdf", null, "PDF");

    private static final List<ImageFormat> ACCEPTED = Arrays.stream(values()).filter(ImageFormat::isAccepted).toList();

    private final String mediaType;
    private final String imageIoName;
    private final String displayName;
    private final List<String> aliases;

    ImageFormat(String mediaType, String imageIoName, String displayName, String... aliases) {
        this.mediaType = mediaType;
        this.imageIoName = imageIoName;
        this.displayName = displayName;
        this.aliases = List.of(aliases);
    }

    /** The registered media type, e.g. {@code image/webp}. */
    public String mediaType() {
        return mediaType;
    }

    /** Whether digitserve decodes this format. */
    public boolean isAccepted() {
        return imageIoName != null;
    }

    /** The lower-case ImageIO format name of the reader to use; null for refused formats. */
    public String imageIoName() {
        return imageIoName;
    }

    /** A short human name for messages: "PNG", "JPEG XL". */
    public String displayName() {
        return displayName;
    }

    /** The decoded formats, in the order they are listed to clients. */
    public static List<ImageFormat> accepted() {
        return ACCEPTED;
    }

    /** "image/png, image/jpeg, image/webp, image/gif, image/bmp, image/tiff", for messages. */
    public static String acceptedMediaTypes() {
        return ACCEPTED.stream().map(ImageFormat::mediaType).collect(Collectors.joining(", "));
    }

    /** The format of a media type such as {@code image/JPEG; q=0.9}; empty when it names no known format. */
    public static Optional<ImageFormat> forMediaType(String mediaType) {
        if (mediaType == null) {
            return Optional.empty();
        }
        int semicolon = mediaType.indexOf(';');
        String bare = (semicolon < 0 ? mediaType : mediaType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        for (ImageFormat format : values()) {
            if (format.mediaType.equals(bare) || format.aliases.contains(bare)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }

    /** The format that {@code bytes} start like; empty for anything else, including null or too short data. */
    public static Optional<ImageFormat> detect(byte[] bytes) {
        if (bytes == null) {
            return Optional.empty();
        }
        if (startsWith(bytes, 0, 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n')) {
            return Optional.of(PNG);
        }
        if (startsWith(bytes, 0, 0xff, 0xd8, 0xff)) {
            return Optional.of(JPEG);
        }
        if (startsWith(bytes, 0, 'R', 'I', 'F', 'F') && startsWith(bytes, 8, 'W', 'E', 'B', 'P')) {
            return Optional.of(WEBP);
        }
        if (startsWith(bytes, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(bytes, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return Optional.of(GIF);
        }
        if (isBmp(bytes)) {
            return Optional.of(BMP);
        }
        // classic TIFF (42) and BigTIFF (43), in either byte order
        if (startsWith(bytes, 0, 'I', 'I', 42, 0) || startsWith(bytes, 0, 'M', 'M', 0, 42)
                || startsWith(bytes, 0, 'I', 'I', 43, 0) || startsWith(bytes, 0, 'M', 'M', 0, 43)) {
            return Optional.of(TIFF);
        }
        if (startsWith(bytes, 4, 'f', 't', 'y', 'p')) {
            return isoMediaBrand(bytes);
        }
        if (startsWith(bytes, 0, 0xff, 0x0a)
                || startsWith(bytes, 0, 0, 0, 0, 0x0c, 'J', 'X', 'L', ' ', 0x0d, 0x0a, 0x87, 0x0a)) {
            return Optional.of(JPEG_XL);
        }
        if (startsWith(bytes, 0, 0, 0, 0, 0x0c, 'j', 'P', ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a)
                || startsWith(bytes, 0, 0xff, 0x4f, 0xff, 0x51)) {
            return Optional.of(JPEG_2000);
        }
        if (startsWith(bytes, 0, 0, 0, 1, 0) && bytes.length >= 6 && (bytes[4] != 0 || bytes[5] != 0)) {
            return Optional.of(ICO);
        }
        if (startsWith(bytes, 0, '8', 'B', 'P', 'S')) {
            return Optional.of(PSD);
        }
        if (startsWith(bytes, 0, '%', 'P', 'D', 'F', '-')) {
            return Optional.of(PDF);
        }
        return Optional.empty();
    }

    /** "BM" alone is too weak a signature (text can start with it): the DIB header size must be a real one too. */
    private static boolean isBmp(byte[] bytes) {
        if (!startsWith(bytes, 0, 'B', 'M') || bytes.length < 18) {
            return false;
        }
        int dibHeader = (bytes[14] & 0xff) | (bytes[15] & 0xff) << 8 | (bytes[16] & 0xff) << 16 | (bytes[17] & 0xff) << 24;
        return dibHeader == 12 || dibHeader == 16 || dibHeader == 40 || dibHeader == 52 || dibHeader == 56
                || dibHeader == 64 || dibHeader == 108 || dibHeader == 124;
    }

    /**
     * An ISO base media file ({@code ftyp} box): HEIC, HEIF or AVIF by the major and compatible brands
     * in the first 64 bytes. Other ISO files (MP4 video, ...) are not images: empty.
     */
    private static Optional<ImageFormat> isoMediaBrand(byte[] bytes) {
        String brands = new String(bytes, 8, Math.max(0, Math.min(bytes.length, 64) - 8), StandardCharsets.ISO_8859_1);
        if (brands.startsWith("avif") || brands.startsWith("avis")) {
            return Optional.of(AVIF);
        }
        for (String heic : List.of("heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs")) {
            if (brands.startsWith(heic)) {
                return Optional.of(HEIC);
            }
        }
        if (brands.startsWith("mif1") || brands.startsWith("msf1")) {
            return Optional.of(brands.contains("avif") ? AVIF : brands.contains("heic") ? HEIC : HEIF);
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] bytes, int offset, int... expected) {
        if (bytes.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((bytes[offset + i] & 0xff) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
