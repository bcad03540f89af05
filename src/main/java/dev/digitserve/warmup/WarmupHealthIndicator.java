package dev.digitserve.warmup;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health component {@code warmup}, part of the readiness group: DOWN until the request path has been warmed (or
 * the warm-up's max-time has passed), so that Kubernetes sends no traffic to a cold JVM.
 */
@Component("warmup")
class WarmupHealthIndicator implements HealthIndicator {
    private final RequestPathWarmup warmup;

    WarmupHealthIndicator(RequestPathWarmup warmup) {
        this.warmup = warmup;
    }

    @Override
    public Health health() {
        WarmupReport report = warmup.report();
        return (report.state().finished() ? Health.up() : Health.down())
                .withDetail("state", report.state())
                .withDetail("durationMs", report.durationMs())
                .withDetail("rounds", report.rounds())
                .withDetail("requests", report.requests())
                .withDetail("failures", report.failures())
                .build();
    }
}
