package dev.digitserve.model;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.digitserve.batching.BatchObserver;
import dev.digitserve.batching.BatcherPool;
import dev.digitserve.batching.BatchingProperties;
import dev.digitserve.inference.NativeBackend;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class ModelConfiguration {

    @Bean
    ModelRepository modelRepository(ModelsProperties properties, JsonMapper json) {
        return new ModelRepository(properties.dir(), json);
    }

    /** Loads every model version (lazy loading: reads every card) at start-up (before the server accepts traffic) and drains them at shutdown. */
    @Bean(initMethod = "start", destroyMethod = "close")
    ModelRegistry modelRegistry(ModelRepository repository, ModelsProperties properties, BatchingProperties batching,
                                BatchObserver batchObserver, BatcherPool pool, ModelMetricsProperties metrics,
                                JsonMapper json, MeterRegistry meters) {
        // logs, once, which backend and native binary run and whether oneDNN is active
        NativeBackend.configure();
        return new ModelRegistry(repository, properties, batching, batchObserver, pool, metrics, json, meters);
    }
}
