package dev.digitserve.datasets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import org.springframework.beans.factory.ObjectProvider;

import dev.digitserve.data.IdxFormatException;
import dev.digitserve.data.IdxReader;
import dev.digitserve.image.DigitImageReader;
import dev.digitserve.image.ImageTooLargeException;
import dev.digitserve.image.InvalidImageException;
import dev.digitserve.image.NoDigitFoundException;
import dev.digitserve.inference.Images;
import dev.digitserve.request.ConflictException;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;
import dev.digitserve.request.NotFoundException;
import dev.digitserve.request.RequestTooLargeException;

/**
 * Creates, lists, reads and deletes datasets.
 *
 * <p>An upload is first written to a hidden working directory under the datasets directory, read from there
 * and removed whatever happens, so a refused upload leaves nothing behind. Archive images go through
 * {@link DigitImageReader}, exactly like prediction uploads, and are stored quantised to bytes; an IDX pair is
 * stored as sent (it is already MNIST-shaped, 28x28, 0 = background). Errors: {@link InvalidRequestException}
 * (400) for anything wrong with the upload, {@link RequestTooLargeException} (413) over
 * {@code max-archive-size}, {@link NotFoundException} (404), {@link ConflictException} (409) when deleting a
 * dataset that a queued or running job uses. Thread-safe; uploads run in parallel, deletions are serialised.
 */
public class DatasetService {
    /** Writes one uploaded part to a file (Spring's {@code MultipartFile::transferTo}). */
    @FunctionalInterface
    public interface Part {
        void transferTo(Path target) throws IOException;
    }

    private final DatasetStore store;
    private final DatasetsProperties properties;
    private final DigitImageReader imageReader;
    private final ObjectProvider<DatasetUsers> users;

    DatasetService(DatasetStore store, DatasetsProperties properties, DigitImageReader imageReader,
                   ObjectProvider<DatasetUsers> users) {
        this.store = store;
        this.properties = properties;
        this.imageReader = imageReader;
        this.users = users;
        store.removeLeftovers();
    }

    /** A zip of label folders. */
    public DatasetManifest createFromArchive(String name, long size, Part archive) throws IOException {
        requireName(name);
        requireSize(size);
        Path work = store.workDirectory();
        try {
            Path zip = work.resolve("archive.zip");
            archive.transferTo(zip);
            requireSize(Files.size(zip));
            ArchiveReader reader = new ArchiveReader(new ArchiveReader.Limits(properties.maxUncompressedSize().toBytes(),
                    properties.maxCompressionRatio(), properties.maxEntries(), properties.maxEntrySize().toBytes()));
            ByteArrayOutputStream pixels = new ByteArrayOutputStream();
            List<String> labelPerImage = new ArrayList<>();
            List<DatasetManifest.Skipped> skipped = new ArrayList<>();
            reader.read(zip, (label, entry, bytes) -> {
                String reason = null;
                try {
                    float[] image = imageReader.toMnistInput(bytes);
                    for (float v : image) {
                        pixels.write(Math.round(Math.max(0f, Math.min(1f, v)) * 255f));
                    }
                    labelPerImage.add(label);
                } catch (NoDigitFoundException e) {
                    reason = "no digit found";
                } catch (ImageTooLargeException e) {
                    reason = "too large: " + e.getMessage();
                } catch (InvalidImageException e) {
                    reason = "undecodable: " + e.getMessage();
                }
                if (reason != null) {
                    skipped.add(new DatasetManifest.Skipped(ArchiveReader.printable(entry), reason));
                }
            });
            List<DatasetManifest.Skipped> allSkipped = new ArrayList<>(reader.skipped());
            allSkipped.addAll(skipped);
            if (labelPerImage.isEmpty()) {
                throw invalid("archive", "no usable image in the archive (" + allSkipped.size()
                        + " entries skipped); expected folders named after labels holding PNG or JPEG files");
            }
            List<String> labels = Labels.ordered(new TreeSet<>(labelPerImage));
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < labels.size(); i++) {
                index.put(labels.get(i), i);
            }
            byte[] indices = new byte[labelPerImage.size()];
            for (int i = 0; i < indices.length; i++) {
                indices[i] = (byte) (int) index.get(labelPerImage.get(i));
            }
            return store.write(name, "archive", labels, indices.length, pixels.toByteArray(), indices, allSkipped);
        } finally {
            DatasetStore.deleteRecursively(work);
        }
    }

    /** An IDX image file (unsigned bytes, N x 28 x 28) and an IDX label file (unsigned bytes, N); labels are the values. */
    public DatasetManifest createFromIdx(String name, long imagesSize, Part images, long labelsSize, Part labels)
            throws IOException {
        requireName(name);
        requireSize(imagesSize + labelsSize);
        Path work = store.workDirectory();
        try {
            Path imagesFile = work.resolve("images");
            Path labelsFile = work.resolve("labels");
            images.transferTo(imagesFile);
            labels.transferTo(labelsFile);
            requireSize(Files.size(imagesFile) + Files.size(labelsFile));
            IdxReader.IdxImages idxImages = readIdx("images", imagesFile, () -> IdxReader.readImages(imagesFile));
            byte[] values = readIdx("labels", labelsFile, () -> IdxReader.readLabels(labelsFile));
            if (idxImages.rows() != Images.SIDE || idxImages.cols() != Images.SIDE) {
                throw invalid("images", "images are " + idxImages.rows() + "x" + idxImages.cols() + "; expected "
                        + Images.SIDE + "x" + Images.SIDE + " (MNIST-shaped)");
            }
            if (idxImages.count() != values.length) {
                throw invalid("labels", "the images file holds " + idxImages.count() + " images but the labels file "
                        + values.length + " labels; they must match");
            }
            if (values.length == 0) {
                throw invalid("images", "the IDX files hold no images");
            }
            TreeSet<String> distinct = new TreeSet<>();
            for (byte value : values) {
                distinct.add(Integer.toString(value & 0xff));
            }
            if (distinct.size() > Labels.MAX_LABELS) {
                throw invalid("labels", distinct.size() + " distinct labels; at most " + Labels.MAX_LABELS);
            }
            List<String> ordered = Labels.ordered(distinct);
            int[] indexOfValue = new int[256];
            for (int i = 0; i < ordered.size(); i++) {
                indexOfValue[Integer.parseInt(ordered.get(i))] = i;
            }
            byte[] indices = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                indices[i] = (byte) indexOfValue[values[i] & 0xff];
            }
            return store.write(name, "idx", ordered, values.length, idxImages.pixels(), indices, List.of());
        } finally {
            DatasetStore.deleteRecursively(work);
        }
    }

    public List<DatasetManifest> list() {
        return store.list();
    }

    public Optional<DatasetManifest> get(String id) {
        return store.manifest(id);
    }

    /**
     * The dataset's images and labels, verified against its manifest.
     *
     * @throws NotFoundException     when there is no such dataset
     * @throws IllegalStateException when its files are damaged
     */
    public LabelledImages load(String id) {
        return store.load(get(id).orElseThrow(() -> notFound(id)));
    }

    /** Deletes a dataset no queued or running job uses. */
    public synchronized void delete(String id) throws IOException {
        if (get(id).isEmpty()) {
            throw notFound(id);
        }
        for (DatasetUsers user : users) {
            String who = user.userOf(id);
            if (who != null) {
                throw new ConflictException("dataset " + id + " is in use by " + who + "; delete it once the job ends");
            }
        }
        if (!store.delete(id)) {
            throw notFound(id);
        }
    }

    public static NotFoundException notFound(String id) {
        return new NotFoundException("no dataset with id '" + ArchiveReader.printable(id) + "'");
    }

    private void requireSize(long bytes) throws RequestTooLargeException {
        if (bytes > properties.maxArchiveSize().toBytes()) {
            throw new RequestTooLargeException(properties.maxArchiveSize().toBytes());
        }
    }

    private static void requireName(String name) {
        if (name == null || name.isBlank() || name.length() > 100 || name.chars().anyMatch(Character::isISOControl)) {
            throw invalid("name", "required: 1 to 100 printable characters");
        }
    }

    private interface IdxRead<T> {
        T read();
    }

    /** The reader's messages name the temporary file; the client sent a part. */
    private static <T> T readIdx(String part, Path file, IdxRead<T> read) {
        try {
            return read.read();
        } catch (IdxFormatException e) {
            throw invalid(part, e.getMessage().replace(file.toString(), part));
        }
    }

    private static InvalidRequestException invalid(String field, String why) {
        return new InvalidRequestException(why, List.of(new FieldError(field, why)));
    }
}
