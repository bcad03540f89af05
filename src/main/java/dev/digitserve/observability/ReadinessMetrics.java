package dev.digitserve.observability;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@value #READINESS}: 1 while the readiness health group (what {@code /actuator/health/readiness}, the Kubernetes
 * readiness probe, answers: the application's readiness state and every model loaded and warmed) is UP, else 0.
 * Evaluated at each scrape, so a flapping pod shows as changes of this gauge ({@code changes(digitserve_readiness[15m])})
 * without kube-state-metrics. Reads 0 when there is no readiness group or the health endpoint is not available.
 */
@Component
class ReadinessMetrics implements MeterBinder {
    static final String READINESS = "digitserve.readiness";

    private final ObjectProvider<HealthEndpoint> health;

    ReadinessMetrics(ObjectProvider<HealthEndpoint> health) {
        this.health = health;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(READINESS, this, ReadinessMetrics::ready)
                .description("1 when the readiness probe would succeed, 0 otherwise").register(registry);
    }

    private double ready() {
        HealthEndpoint endpoint = health.getIfAvailable();
        if (endpoint == null) {
            return 0;
        }
        HealthDescriptor readiness = endpoint.healthForPath("readiness");
        return readiness != null && Status.UP.equals(readiness.getStatus()) ? 1 : 0;
    }
}
