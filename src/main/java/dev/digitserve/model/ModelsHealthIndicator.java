package dev.digitserve.model;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health component {@code models}, part of the readiness group: UP only when every model in the
 * repository has a loaded version to serve, so a pod receives traffic only once it can answer it (lazy loading:
 * once the repository is scanned and the always-loaded models are loaded).
 */
@Component("models")
class ModelsHealthIndicator implements HealthIndicator {
    private final ModelRegistry registry;

    ModelsHealthIndicator(ModelRegistry registry) {
        this.registry = registry;
    }

    /** Past this many models the details are counts: a probe must not describe a thousand models each time. */
    static final int DETAILED_MODELS = 50;

    @Override
    public Health health() {
        Health.Builder builder = registry.allReady() ? Health.up() : Health.down();
        if (registry.lazy() || registry.size() > DETAILED_MODELS) {
            return builder.withDetail("loading", registry.lazy() ? "lazy" : "eager")
                    .withDetail("models", registry.size())
                    .withDetail("loadedModels", registry.loadedModels().size()).build();
        }
        for (ModelStatus status : registry.statuses()) {
            builder.withDetail(status.name(), status.ready() ? "serving version " + status.servedVersion()
                    : "no loaded version");
        }
        return builder.build();
    }
}
