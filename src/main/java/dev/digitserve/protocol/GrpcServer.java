package dev.digitserve.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

import dev.digitserve.model.ModelRegistry;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;

/**
 * The gRPC server on {@code digitserve.grpc.port} (not started when it is 0), run by the Spring lifecycle in the
 * web server's phase: it starts with the HTTP server and, on shutdown, stops accepting calls at once and lets the
 * calls in flight finish for up to {@code digitserve.grpc.shutdown-grace} before cancelling them, before the
 * registry closes the batchers. Serves {@link GrpcInferenceService}, {@link GrpcHealth} and server reflection (v1
 * and v1alpha, for grpcurl-style tools). Messages are limited to {@code digitserve.web.max-request-size}, the
 * REST body limit (larger ones fail RESOURCE_EXHAUSTED in gRPC itself).
 */
@Component
class GrpcServer implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
    /** The REST limit's key and default: read through the environment because {@code web} is off limits here. */
    private static final String MAX_REQUEST_SIZE = "digitserve.web.max-request-size";
    private static final DataSize DEFAULT_MAX_REQUEST_SIZE = DataSize.ofMegabytes(10);

    private final GrpcProperties properties;
    private final GrpcInferenceService inference;
    private final ModelRegistry registry;
    private final int maxMessageSize;
    private volatile Server server;

    GrpcServer(GrpcProperties properties, GrpcInferenceService inference, ModelRegistry registry, Environment environment) {
        this.properties = properties;
        this.inference = inference;
        this.registry = registry;
        this.maxMessageSize = (int) Math.min(Integer.MAX_VALUE,
                Binder.get(environment).bind(MAX_REQUEST_SIZE, DataSize.class).orElse(DEFAULT_MAX_REQUEST_SIZE).toBytes());
    }

    @Override
    public synchronized void start() {
        if (properties.port() == 0 || server != null) {
            return;
        }
        try {
            server = Grpc.newServerBuilderForPort(properties.port(), InsecureServerCredentials.create())
                    .addService(inference)
                    .addService(new GrpcHealth(registry))
                    .addService(ProtoReflectionServiceV1.newInstance())
                    .addService(legacyReflection())
                    .maxInboundMessageSize(maxMessageSize)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the gRPC server on port " + properties.port(), e);
        }
        log.info("V2 gRPC (inference.GRPCInferenceService, health, reflection) listening on port {}", server.getPort());
    }

    @SuppressWarnings("deprecation") // v1alpha: what older grpcurl and Triton-era tools still ask for
    private static io.grpc.BindableService legacyReflection() {
        return ProtoReflectionService.newInstance();
    }

    @Override
    public synchronized void stop() {
        Server running = server;
        if (running == null) {
            return;
        }
        running.shutdown();
        try {
            if (!running.awaitTermination(properties.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("gRPC calls still running after {}; cancelling them", properties.shutdownGrace());
                running.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            running.shutdownNow();
            Thread.currentThread().interrupt();
        }
        server = null;
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** Same phase as the web server's graceful shutdown: stopped before the context closes the registry. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1024;
    }

    /** The bound port, or -1 when the server is not running. */
    int port() {
        Server running = server;
        return running == null ? -1 : running.getPort();
    }
}
