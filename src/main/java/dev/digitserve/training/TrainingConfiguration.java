package dev.digitserve.training;

import java.time.Clock;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.digitserve.datasets.DatasetService;
import dev.digitserve.model.ModelRegistry;
import dev.digitserve.model.ModelRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class TrainingConfiguration {

    /** Job records live beside the models, in a hidden directory the repository scanner skips. */
    @Bean(destroyMethod = "close")
    TrainingJobService trainingJobService(ModelRepository repository, ModelRegistry registry, DatasetService datasets,
                                          TrainingProperties properties, JsonMapper json, MeterRegistry meters,
                                          ObjectProvider<Tracer> tracer) {
        ModelTraining training = new ModelTraining(repository, properties.dataDir(), json);
        JobStore store = new JobStore(repository.root().resolve(".jobs"), json);
        return new TrainingJobService(training, registry, datasets, store, properties, Clock.systemUTC(), meters,
                tracer.getIfAvailable(() -> Tracer.NOOP));
    }
}
