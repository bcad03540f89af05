package dev.digitserve.inference;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The way requests reach one loaded model version: today a dynamic batcher in front of its
 * {@link InferenceEngine}. {@link #submit} never blocks the caller; the future completes with
 * {@code count * 10} outputs in image order, or exceptionally (refused, expired, failed).
 * {@link #close} stops accepting work, finishes what was accepted, and then releases nothing else:
 * the engine is closed by its owner afterwards.
 */
public interface Predictor extends AutoCloseable {
    CompletableFuture<float[]> submit(float[] pixels, int count, Duration timeout);

    /** True once {@link #close} has begun: new submissions are refused. */
    boolean isClosed();

    @Override
    void close();
}
