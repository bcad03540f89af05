/**
 * Operating the service: what monitoring needs beyond each feature's own meters. {@link
 * dev.digitserve.observability.ReadinessMetrics} (the readiness probe's answer as a gauge, for flapping alerts) and
 * {@link dev.digitserve.observability.OtelEnvironment} (the standard OpenTelemetry environment variables switch trace
 * export on). The dashboard and alert rules built on the metrics live in {@code k8s/observability/}.
 */
package dev.digitserve.observability;
