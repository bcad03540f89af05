package dev.digitserve.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.digitserve.batching.DynamicBatcher;
import dev.digitserve.inference.Images;

/**
 * Exercises a freshly loaded version through its own batcher (batches of 1, 8 and the batcher's maximum, several
 * rounds, requests of a round submitted together so they merge) before the version takes traffic: a hot-swapped
 * version then answers its first requests at speed. The HTTP layer is already warm by then; what is new is the
 * engine's native buffers and its batch shapes. Failures are left to the requests that follow: the engine
 * has already passed {@code ModelLoader}'s check.
 */
final class BatcherWarmup {
    static final int ROUNDS = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private BatcherWarmup() {
    }

    static void run(DynamicBatcher batcher) {
        run(batcher, ROUNDS);
    }

    /**
     * Lazy loading: a version loaded on a request's time, which waits for it, is warmed with one round of the small
     * batch sizes only; a full batch would cost that request time and leave a full batch's worth of garbage per
     * version (a thousand versions loading must not grow the heap by hundreds of MB).
     */
    static void runLight(DynamicBatcher batcher) {
        warm(batcher, 1, new int[] {1, Math.min(8, batcher.settings().maxBatchSize())});
    }

    static void run(DynamicBatcher batcher, int rounds) {
        warm(batcher, rounds, new int[] {1, Math.min(8, batcher.settings().maxBatchSize()),
                batcher.settings().maxBatchSize()});
    }

    private static void warm(DynamicBatcher batcher, int rounds, int[] sizes) {
        for (int round = 0; round < rounds; round++) {
            List<CompletableFuture<float[]>> answers = new ArrayList<>();
            for (int size : sizes) {
                answers.add(batcher.submit(new float[size * Images.PIXELS], size, TIMEOUT));
            }
            for (CompletableFuture<float[]> answer : answers) {
                answer.exceptionally(e -> null).join();
            }
        }
    }
}
