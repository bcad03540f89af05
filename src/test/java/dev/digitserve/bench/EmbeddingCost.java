package dev.digitserve.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import dev.digitserve.batching.BatchingSettings;
import dev.digitserve.batching.DynamicBatcher;
import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.model.ModelKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What embeddings cost (issue 14): microseconds per image of the shipped CNN at batch 1 and 64, (a) plain
 * predictions through a {@link DynamicBatcher} (the serving hot path: submit, one engine call, copy out), and
 * (b) with {@code embeddings} the same through {@code submitWithEmbeddings} (one forward pass keeping every layer's
 * activation). Median of 7 rounds of 1.5 s each, after a 3 s warm-up, one request at a time.
 *
 * <p>Mode (a) uses only API that existed before embeddings, so the same class measures an older build of the main
 * classes too (the before/after comparison of the hot path); mode (b) lives in {@link WithEmbeddings} so that
 * the older classes are never linked against it.
 *
 * <p>Args: {@code <mnist dir> <cnn version dir> <plain|embeddings>}.
 */
public final class EmbeddingCost {
    private static final int[] BATCHES = {1, 64};

    private EmbeddingCost() {
    }

    interface Call {
        void run(float[] pixels, int count) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        Path versionDir = Path.of(args[1]);
        boolean embeddings = "embeddings".equals(args[2]);
        MnistDataset test = Mnist.test(dataDir);
        try (CnnEngine engine = CnnEngine.load(versionDir.resolve(ModelKind.CNN.weightsFile()));
             DynamicBatcher batcher = new DynamicBatcher("cnn", 1, engine,
                     new BatchingSettings(64, Duration.ofMillis(2), 4096, Duration.ofSeconds(30), 1),
                     new SimpleMeterRegistry())) {
            Call call = embeddings ? WithEmbeddings.call(batcher)
                    : (pixels, count) -> batcher.submit(pixels, count, null).get();
            for (int batch : BATCHES) {
                float[] pixels = test.floats(0, batch);
                measure(call, pixels, batch, 3.0);
                double[] rounds = new double[7];
                for (int r = 0; r < rounds.length; r++) {
                    rounds[r] = measure(call, pixels, batch, 1.5);
                }
                Arrays.sort(rounds);
                System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f .. %.1f |%n", embeddings ? "with embeddings" : "plain",
                        batch, rounds[3], rounds[0], rounds[rounds.length - 1]);
            }
        }
    }

    /** Microseconds per image over about {@code seconds} of back-to-back requests. */
    private static double measure(Call call, float[] pixels, int batch, double seconds) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long started = System.nanoTime();
        long images = 0;
        while (System.nanoTime() < deadline) {
            call.run(pixels, batch);
            images += batch;
        }
        return (System.nanoTime() - started) / 1e3 / images;
    }

    /** Kept apart so that the plain mode never links against the embeddings API. */
    private static final class WithEmbeddings {
        static Call call(DynamicBatcher batcher) {
            return (pixels, count) -> batcher.submitWithEmbeddings(pixels, count, null).get();
        }
    }
}
