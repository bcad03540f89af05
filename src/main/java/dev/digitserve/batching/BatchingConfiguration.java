package dev.digitserve.batching;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.digitserve.model.ModelsProperties;
import dev.digitserve.model.PredictorFactory;
import io.micrometer.core.instrument.MeterRegistry;

/** Every loaded model version gets its own {@link DynamicBatcher}, with its model's settings. */
@Configuration(proxyBeanMethods = false)
class BatchingConfiguration {

    @Bean
    PredictorFactory batchingPredictors(BatchingProperties batching, ModelsProperties models, MeterRegistry meters) {
        return (model, version, engine) -> {
            BatchingProperties.Override override = models.batchingOverride(model);
            BatchingSettings settings = override == null ? batching.settings() : override.applyTo(batching.settings());
            return new DynamicBatcher(model, version, engine, settings, meters);
        };
    }
}
