package dev.digitserve.observability;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.opentelemetry.exporter.logging.LoggingSpanExporter;

/**
 * {@code digitserve.tracing.log-spans=true} (env {@code DIGITSERVE_TRACING_LOG_SPANS=true}): every finished span is
 * also written to the log (logger {@code io.opentelemetry.exporter.logging.LoggingSpanExporter}, one line per span
 * with its name, trace and span ids, kind and attributes), so a trace can be read locally without an OTLP collector.
 * Spring Boot hands every {@code SpanExporter} bean to its span processor, next to the OTLP exporter if that is on.
 * For development: it logs every span of every sampled request.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("digitserve.tracing.log-spans")
class SpanLogging {

    @Bean
    LoggingSpanExporter loggingSpanExporter() {
        return LoggingSpanExporter.create();
    }
}
