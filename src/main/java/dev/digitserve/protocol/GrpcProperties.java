package dev.digitserve.protocol;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitserve.grpc.*}: the V2 gRPC binding's own server.
 *
 * @param port          TCP port of {@code inference.GRPCInferenceService}, health and reflection; 0 disables gRPC
 * @param shutdownGrace how long a stopping server lets calls in flight finish before cancelling them
 */
@ConfigurationProperties("digitserve.grpc")
public record GrpcProperties(@DefaultValue("8081") int port, @DefaultValue("10s") Duration shutdownGrace) {

    public GrpcProperties {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("digitserve.grpc.port must be 0 (off) or a TCP port, was " + port);
        }
    }
}
