package dev.digitserve.observability;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;

import io.micrometer.observation.ObservationPredicate;

/**
 * Requests to {@code /actuator} (Kubernetes probes every few seconds, Prometheus scrapes every 15 s) are not
 * observed: no trace, no access log line, no {@code http_server_requests} series. With every request traced they
 * would otherwise be most of the traces and log lines, and say nothing about serving.
 */
@Configuration(proxyBeanMethods = false)
class ActuatorObservations {

    @Bean
    ObservationPredicate skipActuatorRequests() {
        return (name, context) -> !(context instanceof ServerRequestObservationContext request
                && request.getCarrier() != null && request.getCarrier().getRequestURI().startsWith("/actuator"));
    }
}
