package dev.digitserve.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.digitserve.inference.Images;

/** Loads the MNIST training and test splits from a directory holding the four IDX files. */
public final class Mnist {
    private Mnist() {
    }

    public static MnistDataset train(Path dir) {
        return load(dir, MnistFile.TRAIN_IMAGES, MnistFile.TRAIN_LABELS);
    }

    public static MnistDataset test(Path dir) {
        return load(dir, MnistFile.TEST_IMAGES, MnistFile.TEST_LABELS);
    }

    /** True when all four files are present (their digests are checked by {@link MnistFetcher}). */
    public static boolean isPresent(Path dir) {
        for (MnistFile file : MnistFile.values()) {
            if (!Files.isRegularFile(dir.resolve(file.fileName()))) {
                return false;
            }
        }
        return true;
    }

    /** The SHA-256 digest of each of the four files, by file name, for model cards. */
    public static Map<String, String> digests(Path dir) {
        Map<String, String> digests = new LinkedHashMap<>();
        for (MnistFile file : MnistFile.values()) {
            digests.put(file.fileName(), MnistFetcher.sha256(dir.resolve(file.fileName())));
        }
        return digests;
    }

    static MnistDataset load(Path dir, MnistFile imagesFile, MnistFile labelsFile) {
        Path imagesPath = dir.resolve(imagesFile.fileName());
        Path labelsPath = dir.resolve(labelsFile.fileName());
        if (!Files.isRegularFile(imagesPath) || !Files.isRegularFile(labelsPath)) {
            throw new IllegalStateException("MNIST files missing in " + dir.toAbsolutePath()
                    + " (expected " + imagesFile.fileName() + " and " + labelsFile.fileName()
                    + "); fetch them with: ./mvnw -q exec:java@fetch-mnist, or run the test command once");
        }
        IdxReader.IdxImages images = IdxReader.readImages(imagesPath);
        byte[] labels = IdxReader.readLabels(labelsPath);
        if (images.rows() != Images.SIDE || images.cols() != Images.SIDE) {
            throw new IdxFormatException(imagesPath + ": images are " + images.rows() + "x" + images.cols()
                    + ", expected " + Images.SIDE + "x" + Images.SIDE);
        }
        if (images.count() != labels.length) {
            throw new IdxFormatException(imagesPath + " holds " + images.count() + " images but "
                    + labelsPath + " holds " + labels.length + " labels; they must match");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= MnistDataset.CLASSES) {
                throw new IdxFormatException(labelsPath + ": label " + labels[i] + " at index " + i
                        + " is outside 0..9");
            }
        }
        return new MnistDataset(images.count(), images.pixels(), labels);
    }
}
