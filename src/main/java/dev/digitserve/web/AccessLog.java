package dev.digitserve.web;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.stereotype.Component;

import dev.digitserve.batching.TracingBatchObserver;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.TracingObservationHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * One access log line per HTTP request, on logger {@value #LOGGER}, written when Spring's HTTP server observation
 * stops (so after asynchronous predictions have answered, with their real status and duration).
 *
 * <p>What it records: method, path (never the query string), status, duration, and for predictions the model,
 * version and batch size the batcher reported (see {@link TracingBatchObserver}). These are both in the message,
 * for plain-text logs, and key-value pairs (ECS names where ECS has one: {@code http.request.method},
 * {@code url.path}, {@code http.response.status_code}, {@code event.duration} in nanoseconds), which the
 * structured JSON formats write as fields. The line is logged with the request's span current, so the trace and
 * span ids are in its MDC like every other line of the request.
 *
 * <p>What it never records: request or response bodies, headers (so no {@code X-API-Key}), query strings, client
 * addresses. Actuator requests (probes, scrapes) are not observed at all (see
 * {@code dev.digitserve.observability.ActuatorObservations}), so they get no line.
 */
@Component
class AccessLog implements ObservationHandler<ServerRequestObservationContext> {
    static final String LOGGER = "dev.digitserve.access";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final ObjectProvider<Tracer> tracer;

    AccessLog(ObjectProvider<Tracer> tracer) {
        this.tracer = tracer;
    }

    /** The start time, kept in the observation's context. */
    private record Started(long nanos) {
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
        return context instanceof ServerRequestObservationContext;
    }

    @Override
    public void onStart(ServerRequestObservationContext context) {
        context.put(Started.class, new Started(System.nanoTime()));
    }

    @Override
    public void onStop(ServerRequestObservationContext context) {
        Started started = context.get(Started.class);
        HttpServletRequest request = context.getCarrier();
        HttpServletResponse response = context.getResponse();
        if (started == null || request == null) {
            return;
        }
        long nanos = System.nanoTime() - started.nanos();
        if (!log.isInfoEnabled()) {
            return;
        }
        String path = request.getRequestURI();
        int status = response == null ? 0 : response.getStatus();
        String model = value(context, TracingBatchObserver.MODEL);
        String version = value(context, TracingBatchObserver.VERSION);
        String batchSize = value(context, TracingBatchObserver.BATCH_SIZE);

        StringBuilder message = new StringBuilder(96).append(request.getMethod()).append(' ').append(path)
                .append(' ').append(status).append(' ')
                .append(String.format(Locale.ROOT, "%.1f ms", nanos / 1e6));
        LoggingEventBuilder event = log.atInfo()
                .addKeyValue("http.request.method", request.getMethod())
                .addKeyValue("url.path", path)
                .addKeyValue("http.response.status_code", status)
                .addKeyValue("event.duration", nanos);
        if (model != null) {
            message.append(" model=").append(model).append(" version=").append(version);
            event = event.addKeyValue(TracingBatchObserver.MODEL, model)
                    .addKeyValue(TracingBatchObserver.VERSION, version);
        }
        if (batchSize != null) {
            message.append(" batch=").append(batchSize);
            event = event.addKeyValue(TracingBatchObserver.BATCH_SIZE, Integer.parseInt(batchSize));
        }
        event = event.setMessage(message.toString());

        Span span = span(context);
        Tracer current = tracer.getIfAvailable();
        if (span != null && current != null) {
            try (Tracer.SpanInScope scope = current.withSpan(span)) { // puts traceId and spanId in the MDC
                event.log();
            }
        } else {
            event.log();
        }
    }

    private static String value(Observation.Context context, String key) {
        KeyValue value = context.getHighCardinalityKeyValue(key);
        return value == null ? null : value.getValue();
    }

    private static Span span(Observation.Context context) {
        TracingObservationHandler.TracingContext tracing = context.get(TracingObservationHandler.TracingContext.class);
        return tracing == null ? null : tracing.getSpan();
    }
}
