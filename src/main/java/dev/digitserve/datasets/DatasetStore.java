package dev.digitserve.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.digitserve.data.IdxReader;
import dev.digitserve.inference.Images;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The on-disk layout {@code <root>/<id>/{images.idx, labels.idx, manifest.json}}. A dataset is written into a
 * hidden temporary directory and renamed into place, and deleted by renaming it to a hidden name first, so a
 * reader sees a whole dataset or none. Names starting with a dot are in-progress writes or deletions; the ones a
 * crash left behind are removed at start-up. Thread-safe: writes use fresh directories, ids are random UUIDs.
 */
final class DatasetStore {
    static final String IMAGES = "images.idx";
    static final String LABELS = "labels.idx";
    static final String MANIFEST = "manifest.json";
    static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final Logger log = LoggerFactory.getLogger(DatasetStore.class);

    private final Path root;
    private final JsonMapper json;

    DatasetStore(Path root, JsonMapper json) {
        this.root = root;
        this.json = json;
    }

    Path root() {
        return root;
    }

    /** Removes the hidden leftovers of uploads, writes and deletions a crash interrupted. */
    void removeLeftovers() {
        for (Path child : children(true)) {
            if (child.getFileName().toString().startsWith(".")) {
                try {
                    deleteRecursively(child);
                } catch (IOException e) {
                    log.warn("cannot remove leftover {}: {}", child, e.getMessage());
                }
            }
        }
    }

    /** A fresh hidden working directory for one upload; the caller deletes it. */
    Path workDirectory() throws IOException {
        Files.createDirectories(root);
        return Files.createTempDirectory(root, ".upload-");
    }

    /**
     * Writes a dataset and renames it into place.
     *
     * @param labels       in index order
     * @param labelIndices one per image, into {@code labels}
     */
    DatasetManifest write(String name, String source, List<String> labels, int count, byte[] pixels, byte[] labelIndices,
                          List<DatasetManifest.Skipped> skipped) throws IOException {
        String id = UUID.randomUUID().toString();
        Files.createDirectories(root);
        Path incoming = Files.createTempDirectory(root, ".incoming-");
        try {
            Map<String, String> sha256 = new LinkedHashMap<>();
            ByteBuffer imagesHeader = ByteBuffer.allocate(16).putInt(IMAGES_MAGIC).putInt(count)
                    .putInt(Images.SIDE).putInt(Images.SIDE);
            sha256.put(IMAGES, writeIdx(incoming.resolve(IMAGES), imagesHeader.array(), pixels));
            ByteBuffer labelsHeader = ByteBuffer.allocate(8).putInt(LABELS_MAGIC).putInt(count);
            sha256.put(LABELS, writeIdx(incoming.resolve(LABELS), labelsHeader.array(), labelIndices));
            int[] perLabel = new int[labels.size()];
            for (byte index : labelIndices) {
                perLabel[index & 0xff]++;
            }
            List<DatasetManifest.LabelCount> counts = new ArrayList<>();
            for (int i = 0; i < labels.size(); i++) {
                counts.add(new DatasetManifest.LabelCount(labels.get(i), perLabel[i]));
            }
            DatasetManifest manifest = new DatasetManifest(id, name, Instant.now(), source, count, counts, sha256,
                    List.copyOf(skipped));
            Files.writeString(incoming.resolve(MANIFEST), json.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
            Files.move(incoming, root.resolve(id), StandardCopyOption.ATOMIC_MOVE);
            return manifest;
        } finally {
            deleteRecursively(incoming);
        }
    }

    Optional<DatasetManifest> manifest(String id) {
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        Path file = root.resolve(id).resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(file.toFile(), DatasetManifest.class));
        } catch (JacksonException e) {
            log.warn("unreadable dataset manifest {}: {}", file, e.getOriginalMessage());
            return Optional.empty();
        }
    }

    /** Every readable dataset, newest first. */
    List<DatasetManifest> list() {
        return children(false).stream()
                .map(dir -> manifest(dir.getFileName().toString()))
                .flatMap(Optional::stream)
                .sorted(Comparator.comparing(DatasetManifest::created).reversed().thenComparing(DatasetManifest::id))
                .toList();
    }

    /** Reads a dataset's images and labels, checking them against the manifest's digests and counts. */
    LabelledImages load(DatasetManifest manifest) {
        Path dir = root.resolve(manifest.id());
        for (Map.Entry<String, String> file : manifest.sha256().entrySet()) {
            if (!file.getValue().equals(sha256(dir.resolve(file.getKey())))) {
                throw new IllegalStateException("dataset " + manifest.id() + " is damaged: " + file.getKey()
                        + " does not match its SHA-256 in the manifest");
            }
        }
        IdxReader.IdxImages images = IdxReader.readImages(dir.resolve(IMAGES));
        byte[] labels = IdxReader.readLabels(dir.resolve(LABELS));
        if (images.count() != manifest.count() || labels.length != manifest.count()) {
            throw new IllegalStateException("dataset " + manifest.id() + " is damaged: counts differ from the manifest");
        }
        return new LabelledImages(manifest, manifest.labelNames(), images.count(), images.pixels(), labels);
    }

    /** Makes the dataset disappear at once (rename), then removes its files. */
    boolean delete(String id) throws IOException {
        Path dir = root.resolve(id);
        if (!ID.matcher(id).matches() || !Files.isDirectory(dir)) {
            return false;
        }
        Path doomed = root.resolve(".deleting-" + id);
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(doomed);
        return true;
    }

    private static String writeIdx(Path file, byte[] header, byte[] body) throws IOException {
        MessageDigest digest = sha256();
        digest.update(header);
        digest.update(body);
        try (var out = Files.newOutputStream(file)) {
            out.write(header);
            out.write(body);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(Path file) {
        MessageDigest digest = sha256();
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.getFileName(), e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private List<Path> children(boolean hidden) {
        List<Path> children = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return children;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root)) {
            for (Path child : stream) {
                if (hidden == child.getFileName().toString().startsWith(".") && Files.isDirectory(child)) {
                    children.add(child);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list datasets in " + root, e);
        }
        return children;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
