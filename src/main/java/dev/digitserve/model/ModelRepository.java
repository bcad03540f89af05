package dev.digitserve.model;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import tools.jackson.databind.json.JsonMapper;

/**
 * The on-disk layout {@code <root>/<name>/<version>/}: listing, reading cards, and publishing new
 * versions atomically.
 *
 * <p>Names must match {@link #NAME}; versions are positive integers; entries starting with a dot are
 * ignored (they are in-progress writes). {@link #publish} writes into a hidden temporary directory
 * and renames it into place, so a reader never sees a half-written version. Publishing is serialised
 * within one process; two processes publishing the same model at once make the second one fail
 * rather than overwrite. {@link #remove} renames a version to a hidden name before deleting it, for the
 * same reason.
 */
public final class ModelRepository {
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    public static final String CARD_FILE = "model.json";
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,8}");

    private final Path root;
    private final JsonMapper json;

    public ModelRepository(Path root, JsonMapper json) {
        this.root = root;
        this.json = json;
    }

    public Path root() {
        return root;
    }

    /** Writes the files of one new version into the directory it is given. */
    @FunctionalInterface
    public interface VersionWriter {
        void write(Path directory, int version) throws IOException;
    }

    public List<String> modelNames() {
        List<String> names = new ArrayList<>();
        for (Path dir : children(root)) {
            String name = dir.getFileName().toString();
            if (Files.isDirectory(dir) && NAME.matcher(name).matches()) {
                names.add(name);
            }
        }
        names.sort(Comparator.naturalOrder());
        return names;
    }

    public TreeSet<Integer> versions(String name) {
        TreeSet<Integer> versions = new TreeSet<>();
        for (Path dir : children(root.resolve(name))) {
            String version = dir.getFileName().toString();
            if (Files.isDirectory(dir) && VERSION.matcher(version).matches()) {
                versions.add(Integer.parseInt(version));
            }
        }
        return versions;
    }

    public Path versionDirectory(String name, int version) {
        return root.resolve(name).resolve(Integer.toString(version));
    }

    public ModelCard readCard(String name, int version) throws IOException {
        Path file = versionDirectory(name, version).resolve(CARD_FILE);
        try {
            return json.readValue(file.toFile(), ModelCard.class);
        } catch (tools.jackson.core.JacksonException e) {
            throw new IOException("unreadable model card " + root.relativize(file) + ": " + e.getOriginalMessage(), e);
        }
    }

    public void writeCard(Path directory, ModelCard card) throws IOException {
        Files.writeString(directory.resolve(CARD_FILE), json.writerWithDefaultPrettyPrinter().writeValueAsString(card));
    }

    /**
     * Publishes the next version of {@code name}: the writer fills a hidden temporary directory, which is
     * then renamed to {@code <name>/<next version>}. If the writer fails, nothing is left behind.
     *
     * @return the new version number
     */
    public synchronized int publish(String name, VersionWriter writer) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid model name '" + name + "'");
        }
        Path modelDir = Files.createDirectories(root.resolve(name));
        int version = versions(name).stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        Path incoming = Files.createTempDirectory(modelDir, ".incoming-");
        try {
            // temporary directories are private (0700); a published version is readable like any other file
            Files.setPosixFilePermissions(incoming, PosixFilePermissions.fromString("rwxr-xr-x"));
            writer.write(incoming, version);
            Files.move(incoming, versionDirectory(name, version), StandardCopyOption.ATOMIC_MOVE);
            return version;
        } catch (FileAlreadyExistsException e) {
            throw new IOException("version " + version + " of " + name + " appeared while it was being written"
                    + " (another writer?); nothing was published", e);
        } finally {
            deleteRecursively(incoming);
        }
    }

    /** Prefix of a version (or model) directory on its way out: hidden, so no scan ever loads it. */
    static final String REMOVING = ".removing-";

    /**
     * Removes one version's directory: it is first renamed to a hidden name in the same parent (atomic, so a
     * scan sees the version either whole or not at all), then deleted. When it was the model's last version the
     * model's directory goes too. A crash between the rename and the delete leaves only a hidden directory, which
     * {@link #removeLeftovers} deletes at the next start.
     *
     * @return false if the version was not there
     */
    public synchronized boolean remove(String name, int version) throws IOException {
        Path dir = versionDirectory(name, version);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        Path doomed = dir.resolveSibling(REMOVING + version + "-" + System.nanoTime());
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(doomed);
        if (versions(name).isEmpty() && !hasWritesInProgress(root.resolve(name))) {
            Path modelDir = root.resolve(name);
            Path doomedModel = root.resolve(REMOVING + name + "-" + System.nanoTime());
            Files.move(modelDir, doomedModel, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(doomedModel);
        }
        return true;
    }

    /** Deletes what removals interrupted by a crash left behind; returns how many directories it deleted. */
    public synchronized int removeLeftovers() throws IOException {
        List<Path> leftovers = new ArrayList<>(hiddenRemovals(root));
        for (String name : modelNames()) {
            leftovers.addAll(hiddenRemovals(root.resolve(name)));
        }
        for (Path leftover : leftovers) {
            deleteRecursively(leftover);
        }
        return leftovers.size();
    }

    private static List<Path> hiddenRemovals(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(child -> child.getFileName().toString().startsWith(REMOVING)).toList();
        }
    }

    /** A publish (here or in another process sharing the volume) is writing into the model's directory. */
    private static boolean hasWritesInProgress(Path modelDir) throws IOException {
        try (Stream<Path> children = Files.list(modelDir)) {
            return children.anyMatch(child -> child.getFileName().toString().startsWith(".incoming-"));
        }
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

    private static List<Path> children(Path dir) {
        List<Path> children = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return children;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path child : stream) {
                if (!child.getFileName().toString().startsWith(".")) {
                    children.add(child);
                }
            }
        } catch (IOException e) {
            return children;
        }
        return children;
    }
}
