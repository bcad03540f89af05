package dev.digitserve.batching;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;

/**
 * An engine for batcher tests. Each image carries an id in its first and last pixel; the output row of an image
 * is {@code id * 10 + j}, so a test can tell which image every row came from. It records each batch's ids, can
 * hold batches at a gate, fail batches holding a given id, and charge compute time to a fake clock.
 */
final class FakeEngine implements InferenceEngine {

    private final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
    private final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    /** Batch sizes, in the order batches entered predict: a test takes from it to know a batch is running. */
    final BlockingQueue<Integer> entered = new LinkedBlockingQueue<>();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile int failOnId = -1;
    private volatile FakeTimeSource clock;
    private volatile long computeNanos;

    static float[] images(int... ids) {
        float[] pixels = new float[ids.length * Images.PIXELS];
        for (int i = 0; i < ids.length; i++) {
            pixels[i * Images.PIXELS] = ids[i];
            pixels[i * Images.PIXELS + Images.PIXELS - 1] = ids[i];
        }
        return pixels;
    }

    static float[] expected(int... ids) {
        float[] out = new float[ids.length * OUTPUT_SIZE];
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < OUTPUT_SIZE; j++) {
                out[i * OUTPUT_SIZE + j] = ids[i] * 10 + j;
            }
        }
        return out;
    }

    /** The id each of the first {@code count} images carries in its first pixel. */
    static int[] ids(float[] pixels, int count) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = (int) pixels[i * Images.PIXELS];
        }
        return ids;
    }

    /** Waits for {@code gate} to open; a test that never opens it fails the engine call after 10 s instead of hanging. */
    static void awaitGate(CountDownLatch gate) {
        try {
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the engine");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int[] range(int fromInclusive, int toInclusive) {
        return java.util.stream.IntStream.rangeClosed(fromInclusive, toInclusive).toArray();
    }

    void block() {
        gate = new CountDownLatch(1);
    }

    void release() {
        gate.countDown();
    }

    void failOn(int id) {
        failOnId = id;
    }

    void chargeComputeTime(FakeTimeSource clock, long nanosPerBatch) {
        this.clock = clock;
        this.computeNanos = nanosPerBatch;
    }

    List<List<Integer>> batches() {
        synchronized (batches) {
            return List.copyOf(batches);
        }
    }

    List<Integer> batchSizes() {
        return batches().stream().map(List::size).toList();
    }

    List<String> threads() {
        synchronized (threads) {
            return List.copyOf(threads);
        }
    }

    @Override
    public float[] predict(float[] pixels, int count) {
        if (pixels.length != count * Images.PIXELS) {
            throw new IllegalArgumentException("expected " + count * Images.PIXELS + " pixels, got " + pixels.length);
        }
        List<Integer> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int id = (int) pixels[i * Images.PIXELS];
            if (pixels[i * Images.PIXELS + Images.PIXELS - 1] != id) {
                throw new IllegalStateException("image " + i + " of the batch was copied incompletely");
            }
            ids.add(id);
        }
        batches.add(List.copyOf(ids));
        threads.add(Thread.currentThread().getName());
        entered.add(count);
        awaitGate(gate);
        if (ids.contains(failOnId)) {
            throw new IllegalStateException("boom on image " + failOnId);
        }
        FakeTimeSource c = clock;
        if (c != null) {
            c.advanceWithoutAlarms(java.time.Duration.ofNanos(computeNanos));
        }
        return expected(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public ClassOutput classOutput() {
        return ClassOutput.SCORES;
    }

    @Override
    public void close() {
    }
}
