package dev.digitserve.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;

/**
 * Reads a zip of label folders ({@code plus/001.png}, {@code 7/a.jpg}, optionally all under one top folder) and
 * hands each image file's bytes to a consumer, refusing hostile archives before or while anything is inflated.
 *
 * <p>Refused with {@link InvalidRequestException} (400), nothing unpacked to disk (entries are inflated into
 * memory, one at a time): a body that is not a zip; more than {@code maxEntries} entries (counted from the end
 * record, before the central directory is read into memory); entry names with a {@code ..} segment, an absolute
 * path, a drive letter or a backslash, and symbolic links (zip slip); nested archives (by name or by content);
 * entries that inflate beyond {@code maxCompressionRatio} times their compressed size (past 1 MiB) or, together,
 * beyond {@code maxUncompressedSize} (zip bomb; counted while inflating, the declared sizes are not trusted);
 * invalid label names and more than {@value Labels#MAX_LABELS} labels.
 *
 * <p>Skipped, with a reason the manifest lists: hidden and system entries ({@code .DS_Store}, {@code __MACOSX/}),
 * files outside a label folder or in a sub-folder of one, encrypted entries, and files over {@code maxEntrySize}.
 * Not thread-safe; one instance per upload.
 */
final class ArchiveReader {
    /** Entries may always inflate to this much, whatever their ratio: a blank PNG compresses very well. */
    private static final long RATIO_FREE_BYTES = 1 << 20;
    private static final Set<String> ARCHIVE_SUFFIXES = Set.of("zip", "jar", "war", "ear", "apk", "gz", "tgz",
            "tar", "bz2", "tbz2", "xz", "txz", "7z", "rar", "zst", "lz4", "lzma", "cab", "iso");
    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");

    /** Limits of one archive; see {@link DatasetsProperties}. */
    record Limits(long maxUncompressedSize, int maxCompressionRatio, int maxEntries, long maxEntrySize) {
    }

    /** Receives each image file in central-directory order. */
    @FunctionalInterface
    interface ImageConsumer {
        void accept(String label, String entry, byte[] bytes);
    }

    private final Limits limits;
    private final List<DatasetManifest.Skipped> skipped = new ArrayList<>();
    private long inflated;

    ArchiveReader(Limits limits) {
        this.limits = limits;
    }

    /** Entries that were not handed to the consumer, with the reason. */
    List<DatasetManifest.Skipped> skipped() {
        return Collections.unmodifiableList(skipped);
    }

    void read(Path archive, ImageConsumer consumer) throws IOException {
        long declaredEntries = countEntries(archive);
        if (declaredEntries > limits.maxEntries()) {
            throw refused("the archive has " + declaredEntries + " entries; at most " + limits.maxEntries()
                    + " are accepted");
        }
        try (ZipFile zip = open(archive)) {
            List<ZipArchiveEntry> entries = Collections.list(zip.getEntries());
            if (entries.size() > limits.maxEntries()) {
                throw refused("the archive has " + entries.size() + " entries; at most " + limits.maxEntries()
                        + " are accepted");
            }
            for (ZipArchiveEntry entry : entries) {
                checkSafe(entry);
            }
            boolean commonRoot = hasCommonRoot(entries);
            // every label is checked before the first entry is inflated
            String[] labelOf = new String[entries.size()];
            Set<String> labels = new java.util.HashSet<>();
            for (int i = 0; i < entries.size(); i++) {
                labelOf[i] = labelOf(entries.get(i), commonRoot);
                if (labelOf[i] != null && labels.add(labelOf[i]) && labels.size() > Labels.MAX_LABELS) {
                    throw refused("the archive has more than " + Labels.MAX_LABELS + " label folders");
                }
            }
            for (int i = 0; i < entries.size(); i++) {
                ZipArchiveEntry entry = entries.get(i);
                String label = labelOf[i];
                if (label == null) {
                    continue;
                }
                if (!zip.canReadEntryData(entry)) {
                    skip(entry, "unsupported entry (encrypted or an unknown compression method)");
                    continue;
                }
                if (entry.getSize() > limits.maxEntrySize()) {
                    skip(entry, "too large: over " + limits.maxEntrySize() + " bytes");
                    continue;
                }
                byte[] bytes = inflate(zip, entry);
                if (bytes == null) {
                    skip(entry, "too large: over " + limits.maxEntrySize() + " bytes");
                    continue;
                }
                if (looksLikeArchive(bytes)) {
                    throw refused("entry '" + entry.getName() + "' is an archive; nested archives are not accepted");
                }
                consumer.accept(label, entry.getName(), bytes);
            }
        }
    }

    private static ZipFile open(Path archive) {
        try {
            return ZipFile.builder().setPath(archive).get();
        } catch (IOException | RuntimeException e) {
            throw refused("the archive is not a readable zip file");
        }
    }

    /** Zip slip and links: refused for any entry, before anything is inflated. */
    private static void checkSafe(ZipArchiveEntry entry) {
        String name = entry.getName();
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw refused("an entry has an empty or invalid name");
        }
        if (name.startsWith("/") || name.indexOf('\\') >= 0 || DRIVE.matcher(name).matches()) {
            throw refused("entry '" + printable(name) + "' has an absolute path or a backslash; entries must be"
                    + " relative, like label/image.png");
        }
        for (String segment : name.split("/")) {
            if (segment.equals("..")) {
                throw refused("entry '" + printable(name) + "' points outside the archive (..)");
            }
        }
        if (entry.isUnixSymlink()) {
            throw refused("entry '" + printable(name) + "' is a symbolic link; links are not accepted");
        }
        if (!entry.isDirectory() && ARCHIVE_SUFFIXES.contains(suffix(name))) {
            throw refused("entry '" + printable(name) + "' is an archive; nested archives are not accepted");
        }
    }

    /** True when every file sits at least two folders deep under one and the same top folder. */
    private static boolean hasCommonRoot(List<ZipArchiveEntry> entries) {
        String root = null;
        for (ZipArchiveEntry entry : entries) {
            if (entry.isDirectory() || isHidden(entry.getName())) {
                continue;
            }
            String[] segments = entry.getName().split("/");
            if (segments.length < 3 || (root != null && !root.equals(segments[0]))) {
                return false;
            }
            root = segments[0];
        }
        return root != null;
    }

    /** The entry's label, or null when the entry is not an image file to read (and then it is recorded as skipped). */
    private String labelOf(ZipArchiveEntry entry, boolean commonRoot) {
        if (entry.isDirectory()) {
            return null;
        }
        String name = entry.getName();
        if (isHidden(name)) {
            skip(entry, "hidden or system file");
            return null;
        }
        String[] segments = name.split("/");
        int from = commonRoot ? 1 : 0;
        int depth = segments.length - from;
        if (depth < 2) {
            skip(entry, "not inside a label folder");
            return null;
        }
        if (depth > 2) {
            skip(entry, "in a sub-folder of a label folder");
            return null;
        }
        String label = segments[from];
        if (!Labels.isValid(label)) {
            throw new InvalidRequestException("invalid label folder '" + printable(label) + "'",
                    List.of(new FieldError("archive/" + printable(name),
                            "labels are 1 to 32 characters of A-Z, a-z, 0-9, _ and -")));
        }
        return label;
    }

    /** The entry's bytes, or null when it is over the per-entry limit; refuses a zip bomb. */
    private byte[] inflate(ZipFile zip, ZipArchiveEntry entry) throws IOException {
        long compressed = Math.max(1, entry.getCompressedSize());
        long ratioLimit = Math.max(RATIO_FREE_BYTES, compressed * limits.maxCompressionRatio());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = zip.getInputStream(entry)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                inflated += n;
                if (inflated > limits.maxUncompressedSize()) {
                    throw refused("the archive inflates to more than " + limits.maxUncompressedSize()
                            + " bytes (zip bomb?)");
                }
                if (out.size() + n > ratioLimit) {
                    throw refused("entry '" + printable(entry.getName()) + "' inflates more than "
                            + limits.maxCompressionRatio() + " times its compressed size (zip bomb?)");
                }
                if (out.size() + n > limits.maxEntrySize()) {
                    return null;
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidRequestException invalid) {
                throw invalid;
            }
            throw refused("entry '" + printable(entry.getName()) + "' cannot be read; the archive is corrupt");
        }
        return out.toByteArray();
    }

    /** Zip, gzip, 7z, rar, bzip2, xz and zstd by their magic numbers. */
    private static boolean looksLikeArchive(byte[] b) {
        return starts(b, 0x50, 0x4b, 0x03, 0x04) || starts(b, 0x50, 0x4b, 0x05, 0x06) || starts(b, 0x1f, 0x8b)
                || starts(b, 0x37, 0x7a, 0xbc, 0xaf) || starts(b, 0x52, 0x61, 0x72, 0x21) || starts(b, 0x42, 0x5a, 0x68)
                || starts(b, 0xfd, 0x37, 0x7a, 0x58) || starts(b, 0x28, 0xb5, 0x2f, 0xfd);
    }

    private static boolean starts(byte[] bytes, int... magic) {
        if (bytes.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((bytes[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The entry count the archive's end record announces (zip64 aware), read before the central directory is
     * loaded, so that millions of tiny entries cannot exhaust memory. A file without an end record is not a zip.
     */
    static long countEntries(Path archive) throws IOException {
        try (FileChannel channel = FileChannel.open(archive, StandardOpenOption.READ)) {
            long size = channel.size();
            int tail = (int) Math.min(size, 22 + 65535);
            if (tail < 22) {
                throw refused("the archive is not a zip file");
            }
            ByteBuffer buffer = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(buffer, size - tail);
            for (int at = tail - 22; at >= 0; at--) {
                if (buffer.getInt(at) == 0x06054b50) {
                    long entries = buffer.getShort(at + 10) & 0xffff;
                    if (entries == 0xffff && at >= 20 && buffer.getInt(at - 20) == 0x07064b50) {
                        long zip64End = buffer.getLong(at - 20 + 8);
                        ByteBuffer record = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
                        if (zip64End < 0 || zip64End > size - 40 || channel.read(record, zip64End) < 40
                                || record.getInt(0) != 0x06064b50) {
                            throw refused("the archive is not a readable zip file");
                        }
                        entries = record.getLong(32);
                        return entries < 0 ? Long.MAX_VALUE : entries;
                    }
                    return entries;
                }
            }
            throw refused("the archive is not a zip file");
        }
    }

    private static boolean isHidden(String name) {
        for (String segment : name.split("/")) {
            if (segment.startsWith(".") || segment.equals("__MACOSX") || segment.equalsIgnoreCase("Thumbs.db")) {
                return true;
            }
        }
        return false;
    }

    private void skip(ZipArchiveEntry entry, String reason) {
        skipped.add(new DatasetManifest.Skipped(printable(entry.getName()), reason));
    }

    private static String suffix(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Entry names go back to the client: no control characters, bounded length. */
    static String printable(String name) {
        String clean = name.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 200 ? clean.substring(0, 200) + "…" : clean;
    }

    private static InvalidRequestException refused(String why) {
        return new InvalidRequestException(why, List.of(new FieldError("archive", why)));
    }
}
