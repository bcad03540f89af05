package dev.digitserve.batching;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitserve.batching.*}: the batching settings of every model version, unless a model overrides
 * them under {@code digitserve.models.overrides.<name>.batching.*}, and the size of the thread pool every batcher
 * shares ({@code pool-threads}, default the number of processors; {@code workers} is then how many batches of one
 * version may run at once). {@code pool-threads: 0} gives every worker a thread of its own instead (the behaviour
 * before the pool, kept for comparison).
 */
@ConfigurationProperties("digitserve.batching")
public record BatchingProperties(
        @DefaultValue("64") int maxBatchSize,
        @DefaultValue("2ms") Duration maxQueueDelay,
        @DefaultValue("4096") int queueCapacity,
        @DefaultValue("5s") Duration requestTimeout,
        @DefaultValue("1") int workers,
        Integer poolThreads) {

    public BatchingProperties {
        if (poolThreads != null && poolThreads < 0) {
            throw new IllegalArgumentException("digitserve.batching.pool-threads must not be negative, was " + poolThreads);
        }
    }

    /** Threads of the shared batcher pool: as configured, else one per processor (at least 1). */
    public int poolThreadsOrDefault() {
        return poolThreads != null && poolThreads > 0 ? poolThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** False when {@code pool-threads} is 0: each batcher worker then owns a thread. */
    public boolean pooled() {
        return poolThreads == null || poolThreads > 0;
    }

    public BatchingSettings settings() {
        return new BatchingSettings(maxBatchSize, maxQueueDelay, queueCapacity, requestTimeout, workers);
    }

    /** One model's departures from the global settings; null fields keep the global value. */
    public record Override(Integer maxBatchSize, Duration maxQueueDelay, Integer queueCapacity,
                           Duration requestTimeout, Integer workers) {

        public BatchingSettings applyTo(BatchingSettings global) {
            return new BatchingSettings(
                    maxBatchSize != null ? maxBatchSize : global.maxBatchSize(),
                    maxQueueDelay != null ? maxQueueDelay : global.maxQueueDelay(),
                    queueCapacity != null ? queueCapacity : global.queueCapacity(),
                    requestTimeout != null ? requestTimeout : global.requestTimeout(),
                    workers != null ? workers : global.workers());
        }
    }
}
