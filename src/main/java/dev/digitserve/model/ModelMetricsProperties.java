package dev.digitserve.model;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code digitserve.metrics.*}: which models' batchers publish percentile histogram buckets. Each bucketed meter is
 * dozens of time series, so with many models they are opt-in: {@code histograms: [cnn]} names the models; unset
 * means the models that are always in memory (every model in eager loading, the {@code always-loaded} ones in lazy
 * loading). The other models keep their timers with count, sum and max.
 */
@ConfigurationProperties("digitserve.metrics")
public record ModelMetricsProperties(List<String> histograms) {

    public ModelMetricsProperties {
        histograms = histograms == null ? null : List.copyOf(histograms);
    }

    /** Whether {@code model}'s batchers publish histogram buckets. */
    public boolean histograms(String model, ModelsProperties models) {
        if (histograms != null) {
            return histograms.contains(model);
        }
        return !models.lazy() || models.alwaysLoaded().contains(model);
    }
}
