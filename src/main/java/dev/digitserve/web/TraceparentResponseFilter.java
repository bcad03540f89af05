package dev.digitserve.web;

import java.io.IOException;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Returns the request's trace context as a W3C {@code traceparent} response header
 * ({@code 00-<trace id>-<server span id>-<flags>}), so that a client or gateway can find the trace of a request
 * it made even when it did not start one. The incoming {@code traceparent} is read by Spring Boot's HTTP server
 * observation, which runs just before this filter and whose span is the current one here.
 *
 * <p>The header is set before the chain runs, because a response may be committed by then; every response gets
 * it, refusals by later filters included. Without tracing (no tracer, or no current span) nothing is added.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2) // just inside Boot's ServerHttpObservationFilter (HIGHEST_PRECEDENCE + 1)
class TraceparentResponseFilter extends OncePerRequestFilter {
    static final String HEADER = "traceparent";

    private final ObjectProvider<Tracer> tracer;

    TraceparentResponseFilter(ObjectProvider<Tracer> tracer) {
        this.tracer = tracer;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Tracer current = tracer.getIfAvailable();
        TraceContext context = current == null ? null : current.currentTraceContext().context();
        if (context != null) {
            response.setHeader(HEADER, traceparent(context));
        }
        chain.doFilter(request, response);
    }

    /** The W3C Trace Context version-00 form; the only flag defined there is "sampled". */
    static String traceparent(TraceContext context) {
        return "00-" + context.traceId() + "-" + context.spanId() + "-"
                + (Boolean.TRUE.equals(context.sampled()) ? "01" : "00");
    }
}
