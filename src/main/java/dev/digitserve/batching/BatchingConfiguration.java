package dev.digitserve.batching;

import java.time.Clock;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.digitserve.model.ModelsProperties;
import dev.digitserve.model.PredictorFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;

/** Every loaded model version gets its own {@link DynamicBatcher}, with its model's settings. */
@Configuration(proxyBeanMethods = false)
class BatchingConfiguration {

    @Bean
    PredictorFactory batchingPredictors(BatchingProperties batching, ModelsProperties models, MeterRegistry meters,
                                        ObjectProvider<Tracer> tracer, ObjectProvider<ObservationRegistry> observations) {
        BatchObserver observer = observer(tracer.getIfAvailable(), observations.getIfAvailable());
        return (model, version, engine) -> {
            BatchingProperties.Override override = models.batchingOverride(model);
            BatchingSettings settings = override == null ? batching.settings() : override.applyTo(batching.settings());
            return new DynamicBatcher(model, version, engine, settings, meters, TimeSource.system(), observer);
        };
    }

    /** Queue-wait and batch spans when tracing is on; nothing (and no per-request cost) when it is not. */
    private static BatchObserver observer(Tracer tracer, ObservationRegistry observations) {
        if (tracer == null || tracer == Tracer.NOOP) {
            return BatchObserver.NONE;
        }
        return new TracingBatchObserver(tracer, observations == null ? ObservationRegistry.NOOP : observations,
                Clock.systemUTC());
    }
}
