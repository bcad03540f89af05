package dev.digitserve.batching;

import java.time.Duration;
import java.util.Objects;

/**
 * How one {@link DynamicBatcher} forms batches and bounds its queue.
 *
 * @param maxBatchSize   most images per engine call; 1 turns batching off (each image runs alone, without waiting)
 * @param maxQueueDelay  how long the first request of a partly filled batch may wait for company while another
 *                       batch is running (never when the engine is idle); zero never waits
 * @param queueCapacity  most images waiting per model version; beyond it requests are refused at once
 * @param requestTimeout longest time a request may spend in the service; callers may only shorten it
 * @param workers        threads forming batches and calling the engine
 */
public record BatchingSettings(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, Duration requestTimeout,
                               int workers) {

    public static final int DEFAULT_MAX_BATCH_SIZE = 64;
    public static final Duration DEFAULT_MAX_QUEUE_DELAY = Duration.ofMillis(2);
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_WORKERS = 1;

    /** Each worker preallocates a buffer of maxBatchSize * 784 floats, so the size must stay far from int range. */
    static final int MAX_BATCH_SIZE_LIMIT = 65_536;

    public BatchingSettings {
        if (maxBatchSize < 1 || maxBatchSize > MAX_BATCH_SIZE_LIMIT) {
            throw new IllegalArgumentException(
                    "maxBatchSize must be between 1 and " + MAX_BATCH_SIZE_LIMIT + ", was " + maxBatchSize);
        }
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("maxQueueDelay must not be negative, was " + maxQueueDelay);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be positive, was " + queueCapacity);
        }
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, was " + requestTimeout);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be positive, was " + workers);
        }
    }

    public static BatchingSettings defaults() {
        return new BatchingSettings(DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_QUEUE_DELAY, DEFAULT_QUEUE_CAPACITY,
                DEFAULT_REQUEST_TIMEOUT, DEFAULT_WORKERS);
    }
}
