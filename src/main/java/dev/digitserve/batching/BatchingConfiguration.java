package dev.digitserve.batching;

import java.time.Clock;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;

/**
 * What every batcher reports its requests and batches to (spans when tracing is on, nothing otherwise) and the
 * thread pool they share.
 */
@Configuration(proxyBeanMethods = false)
class BatchingConfiguration {

    /** Closed after the model registry, which depends on it, has drained every batcher. */
    @Bean(destroyMethod = "close")
    BatcherPool batcherPool(BatchingProperties properties) {
        return new BatcherPool(properties.poolThreadsOrDefault());
    }

    /** Queue-wait and batch spans when tracing is on; nothing (and no per-request cost) when it is not. */
    @Bean
    BatchObserver batchObserver(ObjectProvider<Tracer> tracer, ObjectProvider<ObservationRegistry> observations) {
        Tracer current = tracer.getIfAvailable();
        if (current == null || current == Tracer.NOOP) {
            return BatchObserver.NONE;
        }
        ObservationRegistry registry = observations.getIfAvailable();
        return new TracingBatchObserver(current, registry == null ? ObservationRegistry.NOOP : registry,
                Clock.systemUTC());
    }
}
