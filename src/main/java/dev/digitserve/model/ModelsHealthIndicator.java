package dev.digitserve.model;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health component {@code models}, part of the readiness group: UP only when every model in the
 * repository has a loaded version to serve, so a pod receives traffic only once it can answer it.
 */
@Component("models")
class ModelsHealthIndicator implements HealthIndicator {
    private final ModelRegistry registry;

    ModelsHealthIndicator(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        Health.Builder builder = registry.allReady() ? Health.up() : Health.down();
        for (ModelStatus status : registry.statuses()) {
            builder.withDetail(status.name(), status.ready() ? "serving version " + status.servedVersion()
                    : "no loaded version");
        }
        return builder.build();
    }
}
