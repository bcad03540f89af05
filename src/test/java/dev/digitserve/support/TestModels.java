package dev.digitserve.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import dev.digitserve.evaluation.Evaluation;
import dev.digitserve.inference.LassoPipeline;
import dev.digitserve.model.ModelCard;
import dev.digitserve.model.ModelRepository;
import tools.jackson.databind.json.JsonMapper;

/** Writes small, real model versions into a temporary repository for tests. */
public final class TestModels {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TestModels() {
    }

    /**
     * A linear "model" whose score for digit d is the mean intensity of pixel row d (rows 0..9),
     * so a test can steer its answer by painting one row.
     */
    public static Path writeRowLasso(Path root, String name, int version) throws IOException {
        int[] kept = new int[10 * 28];
        double[] means = new double[kept.length];
        double[] scales = new double[kept.length];
        double[][] coefficients = new double[10][kept.length];
        for (int d = 0; d < 10; d++) {
            for (int c = 0; c < 28; c++) {
                int k = d * 28 + c;
                kept[k] = d * 28 + c;
                scales[k] = 1;
                coefficients[d][k] = 1.0 / 28;
            }
        }
        LassoPipeline pipeline = new LassoPipeline(kept, means, scales, coefficients, new double[10]);
        Path dir = Files.createDirectories(root.resolve(name).resolve(Integer.toString(version)));
        JSON.writeValue(dir.resolve("weights.json").toFile(), pipeline);
        writeCard(dir, name, version, "lasso");
        return dir;
    }

    /** A CNN version whose weights file is garbage: it must fail to load, and nothing else. */
    public static Path writeCorruptCnn(Path root, String name, int version) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name).resolve(Integer.toString(version)));
        Files.write(dir.resolve("model.zip"), new byte[] {'P', 'K', 3, 4, 0, 0, 42});
        writeCard(dir, name, version, "cnn");
        return dir;
    }

    public static void writeCard(Path dir, String name, int version, String kind) throws IOException {
        ModelCard card = new ModelCard(name, version, kind, Instant.parse("2026-01-01T00:00:00Z"),
                ModelCard.Input.mnist(), new ModelCard.Training(0, null, null, null, "test", 0, Map.of()),
                Map.of(), Map.of(), new Evaluation(0, 0, null, 0, new int[10][10]));
        Files.writeString(dir.resolve(ModelRepository.CARD_FILE), JSON.writeValueAsString(card));
    }

    /** Writes versions into a fresh temporary repository; unchecked, for static test fields. */
    @FunctionalInterface
    public interface RepositoryContent {
        void write(Path root) throws IOException;
    }

    public static Path temporaryRepository(String prefix, RepositoryContent content) {
        try {
            Path root = Files.createTempDirectory(prefix);
            content.write(root);
            return root;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Copies shipped versions (e.g. "cnn/1") from models/ into a repository. */
    public static void copyShipped(Path root, String... versions) throws IOException {
        for (String version : versions) {
            copyDirectory(TestData.shippedModelsDir().resolve(version), root.resolve(version));
        }
    }

    public static void copyDirectory(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** One 28x28 image whose pixel row {@code row} is fully painted, everything else background. */
    public static float[] rowImage(int row) {
        float[] pixels = new float[784];
        for (int c = 0; c < 28; c++) {
            pixels[row * 28 + c] = 1f;
        }
        return pixels;
    }
}
