package dev.digitserve.protocol;

import dev.digitserve.model.ModelRegistry;
import dev.digitserve.protocol.grpc.v2.GRPCInferenceServiceGrpc;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;

/**
 * The standard {@code grpc.health.v1.Health} check of the gRPC port, answered from the registry at each call so
 * that it can never go stale: the server ({@code ""}) and {@code inference.GRPCInferenceService} are SERVING when
 * every model has a loaded version, as {@code /v2/health/ready} says, NOT_SERVING otherwise; any other service is
 * NOT_FOUND. {@code Watch} is not offered (UNIMPLEMENTED), which the health protocol allows.
 */
final class GrpcHealth extends HealthGrpc.HealthImplBase {
    private final ModelRegistry registry;

    GrpcHealth(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
        String service = request.getService();
        if (!service.isEmpty() && !service.equals(GRPCInferenceServiceGrpc.SERVICE_NAME)) {
            response.onError(Status.NOT_FOUND.withDescription("unknown service '" + service + "'").asRuntimeException());
            return;
        }
        response.onNext(HealthCheckResponse.newBuilder()
                .setStatus(registry.allReady() ? HealthCheckResponse.ServingStatus.SERVING
                        : HealthCheckResponse.ServingStatus.NOT_SERVING)
                .build());
        response.onCompleted();
    }
}
