package dev.digitserve.inference;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Runs each request on the caller's thread, straight on the engine: no queue, no batching. */
public final class DirectPredictor implements Predictor {
    private final InferenceEngine engine;

    public DirectPredictor(InferenceEngine engine) {
        this.engine = engine;
    }

    @Override
    public CompletableFuture<float[]> submit(float[] pixels, int count, Duration timeout) {
        try {
            return CompletableFuture.completedFuture(engine.predict(pixels, count));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public boolean isClosed() {
        return false;
    }

    @Override
    public void close() {
        // nothing queued, nothing to drain
    }
}
