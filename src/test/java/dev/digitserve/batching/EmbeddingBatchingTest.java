package dev.digitserve.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.digitserve.inference.InferenceEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Embedding requests in the dynamic batcher: they share batches with plain predictions, a batch holding one is a
 * single {@code predictWithEmbeddings} call whose class outputs answer the plain requests too, and a batch without
 * one stays on the cheaper {@code predict}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EmbeddingBatchingTest {
    private static final int WIDTH = 3;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final RecordingEngine engine = new RecordingEngine();
    private final DynamicBatcher batcher = new DynamicBatcher("cnn", 1, engine,
            new BatchingSettings(64, Duration.ofSeconds(1), 1000, Duration.ofSeconds(10), 1),
            new SimpleMeterRegistry(), new FakeTimeSource());

    @AfterEach
    void stop() {
        engine.gate.countDown();
        batcher.shutdown(Duration.ZERO);
    }

    @Test
    void plainAndEmbeddingRequestsShareOneForwardPass() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        engine.gate = held;
        CompletableFuture<float[]> busy = batcher.submit(FakeEngine.images(1), 1, null);
        assertThat(engine.calls.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("predict 1");

        // queued while the engine is busy, so the next batch takes both
        CompletableFuture<float[]> plain = batcher.submit(FakeEngine.images(2, 3), 2, null);
        CompletableFuture<InferenceEngine.Outputs> embedded = batcher.submitWithEmbeddings(FakeEngine.images(4), 1, null);
        held.countDown();

        assertThat(busy).succeedsWithin(WAIT).isEqualTo(FakeEngine.expected(1));
        assertThat(plain).succeedsWithin(WAIT).isEqualTo(FakeEngine.expected(2, 3));
        InferenceEngine.Outputs outputs = embedded.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(outputs.classes()).isEqualTo(FakeEngine.expected(4));
        assertThat(outputs.embeddings()).containsExactly(-4f, -4.5f, -5f);
        assertThat(engine.calls).containsExactly("embed 3");
    }

    @Test
    void aSplitEmbeddingRequestGetsEveryRow() throws Exception {
        DynamicBatcher small = new DynamicBatcher("cnn", 2, engine,
                new BatchingSettings(2, Duration.ZERO, 1000, Duration.ofSeconds(10), 1),
                new SimpleMeterRegistry(), new FakeTimeSource());
        try {
            InferenceEngine.Outputs outputs = small.submitWithEmbeddings(FakeEngine.images(5, 6, 7), 3, null)
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(outputs.classes()).isEqualTo(FakeEngine.expected(5, 6, 7));
            assertThat(outputs.embeddings()).containsExactly(-5f, -5.5f, -6f, -6f, -6.5f, -7f, -7f, -7.5f, -8f);
            assertThat(List.copyOf(engine.calls)).containsExactly("embed 2", "embed 1");
        } finally {
            small.shutdown(Duration.ZERO);
        }
    }

    @Test
    void plainBatchesNeverPayForEmbeddings() {
        assertThat(batcher.submit(FakeEngine.images(8, 9), 2, null)).succeedsWithin(WAIT);
        assertThat(List.copyOf(engine.calls)).containsExactly("predict 2");
    }

    @Test
    void anEngineWithoutEmbeddingRefusesAtSubmit() {
        DynamicBatcher linear = new DynamicBatcher("lasso", 1, new FakeEngine(),
                new BatchingSettings(4, Duration.ZERO, 10, Duration.ofSeconds(10), 1), new SimpleMeterRegistry(),
                new FakeTimeSource());
        try {
            assertThatThrownBy(() -> linear.submitWithEmbeddings(FakeEngine.images(1), 1, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no embedding");
        } finally {
            linear.shutdown(Duration.ZERO);
        }
    }

    /**
     * Rows as {@link FakeEngine} makes them (image id in the first and last pixel, row {@code id * 10 + j}); the
     * embedding of image id is {@code -id - k / 2} for unit k. Records each call as "predict n" or "embed n".
     */
    private static final class RecordingEngine implements InferenceEngine {
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public float[] predict(float[] pixels, int count) {
            calls.add("predict " + count);
            await();
            return classes(pixels, count);
        }

        @Override
        public Outputs predictWithEmbeddings(float[] pixels, int count) {
            calls.add("embed " + count);
            await();
            int[] ids = FakeEngine.ids(pixels, count);
            float[] embeddings = new float[count * WIDTH];
            for (int i = 0; i < count; i++) {
                for (int k = 0; k < WIDTH; k++) {
                    embeddings[i * WIDTH + k] = -ids[i] - k / 2f;
                }
            }
            return new Outputs(classes(pixels, count), embeddings);
        }

        private void await() {
            FakeEngine.awaitGate(gate);
        }

        private static float[] classes(float[] pixels, int count) {
            return FakeEngine.expected(FakeEngine.ids(pixels, count));
        }

        @Override
        public int embeddingSize() {
            return WIDTH;
        }

        @Override
        public ClassOutput classOutput() {
            return ClassOutput.PROBABILITIES;
        }

        @Override
        public void close() {
        }
    }
}
