package dev.digitserve.observability;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Lets the standard OpenTelemetry exporter environment variables switch on trace export, as they do for the
 * OpenTelemetry Java agent and most SDKs. Spring Boot 4 reads only its own property,
 * {@code management.opentelemetry.tracing.export.otlp.endpoint} (it reads {@code OTEL_SERVICE_NAME} and
 * {@code OTEL_RESOURCE_ATTRIBUTES} itself), and exports nothing unless that property is set.
 *
 * <p>Mapping (applied only where the Spring property is not set some other way, which always wins):
 * <ul>
 *   <li>{@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}: the endpoint, as given;
 *   <li>otherwise {@code OTEL_EXPORTER_OTLP_ENDPOINT}, with {@code /v1/traces} appended (the specification's rule
 *       for the signal-independent variable over HTTP);
 *   <li>{@code OTEL_TRACES_EXPORTER=none}: no export, whatever the endpoint.
 * </ul>
 * Only OTLP over HTTP/protobuf is supported (the exporter sends with the JDK's HttpClient; there is no gRPC sender on
 * the class path), so {@code OTEL_EXPORTER_OTLP_PROTOCOL=grpc} is not honoured: point the endpoint at the
 * collector's HTTP port (4318).
 */
public class OtelEnvironment implements EnvironmentPostProcessor, Ordered {
    static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";
    static final String EXPORT_ENABLED = "management.tracing.export.otlp.enabled";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> mapped = map(environment.getSystemEnvironment(), environment::containsProperty);
        if (!mapped.isEmpty()) {
            // last: below application.yml, command line and the Spring names of environment variables
            environment.getPropertySources().addLast(new MapPropertySource("otelEnvironmentVariables", mapped));
        }
    }

    static Map<String, Object> map(Map<String, Object> env, Predicate<String> alreadySet) {
        Map<String, Object> mapped = new LinkedHashMap<>();
        String endpoint = text(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        if (endpoint == null) {
            String base = text(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
            if (base != null) {
                endpoint = base.replaceAll("/+$", "") + "/v1/traces";
            }
        }
        if (endpoint != null && !alreadySet.test(ENDPOINT)) {
            mapped.put(ENDPOINT, endpoint);
        }
        if ("none".equalsIgnoreCase(text(env, "OTEL_TRACES_EXPORTER")) && !alreadySet.test(EXPORT_ENABLED)) {
            mapped.put(EXPORT_ENABLED, "false");
        }
        return mapped;
    }

    private static String text(Map<String, Object> env, String name) {
        Object value = env.get(name);
        return value == null || value.toString().isBlank() ? null : value.toString().trim();
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after the config files have been read, so alreadySet sees them
    }
}
