package dev.digitserve.protocol;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.stereotype.Component;

import com.google.protobuf.ByteString;

import dev.digitserve.inference.Images;
import dev.digitserve.model.LoadedVersion;
import dev.digitserve.model.ModelRegistry;
import dev.digitserve.model.ModelResolver;
import dev.digitserve.protocol.grpc.v2.GRPCInferenceServiceGrpc;
import dev.digitserve.protocol.grpc.v2.InferTensorContents;
import dev.digitserve.protocol.grpc.v2.ModelInferRequest;
import dev.digitserve.protocol.grpc.v2.ModelInferResponse;
import dev.digitserve.protocol.grpc.v2.ModelMetadataRequest;
import dev.digitserve.protocol.grpc.v2.ModelMetadataResponse;
import dev.digitserve.protocol.grpc.v2.ModelReadyRequest;
import dev.digitserve.protocol.grpc.v2.ModelReadyResponse;
import dev.digitserve.protocol.grpc.v2.ServerLiveRequest;
import dev.digitserve.protocol.grpc.v2.ServerLiveResponse;
import dev.digitserve.protocol.grpc.v2.ServerMetadataRequest;
import dev.digitserve.protocol.grpc.v2.ServerMetadataResponse;
import dev.digitserve.protocol.grpc.v2.ServerReadyRequest;
import dev.digitserve.protocol.grpc.v2.ServerReadyResponse;
import dev.digitserve.request.InvalidRequestException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code inference.GRPCInferenceService}, the protocol's gRPC binding: the same registry, checks, batcher and
 * metrics as the REST binding ({@link InferenceService}), and the same messages in its statuses
 * ({@link GrpcStatuses}).
 *
 * <p>ModelInfer takes the one {@code input} tensor either as typed contents ({@code fp32_contents} for FP32,
 * {@code fp64_contents} for FP64, {@code uint_contents} for UINT8) or as {@code raw_input_contents}
 * (little-endian, decoded without copying through numbers); when the request used raw inputs the outputs are
 * returned as {@code raw_output_contents}, as Triton does. The client's gRPC deadline is the batcher's timeout
 * (like {@code X-Request-Timeout-Ms}): the remaining time is taken when the call is submitted, so a request whose
 * deadline passes while queued is answered DEADLINE_EXCEEDED and never computed; a cancelled call withdraws its
 * request. Handlers never block: the response is sent from the batcher's completion.
 */
@Component
class GrpcInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private static final String AT = "inputs[0]";

    private final ModelRegistry registry;
    private final ModelResolver resolver;
    private final InferenceService inference;
    private final String serverVersion;

    GrpcInferenceService(ModelRegistry registry, ModelResolver resolver, InferenceService inference,
                         ObjectProvider<BuildProperties> build) {
        this.registry = registry;
        this.resolver = resolver;
        this.inference = inference;
        BuildProperties properties = build.getIfAvailable();
        this.serverVersion = properties != null && properties.getVersion() != null ? properties.getVersion() : "unknown";
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> response) {
        reply(response, ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> response) {
        reply(response, ServerReadyResponse.newBuilder().setReady(registry.allReady()).build());
    }

    /** Not ready is an answer ({@code ready: false}); an unknown model or version is NOT_FOUND. */
    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> response) {
        try {
            boolean ready = resolver.isReady(request.getName(), version(request.getVersion()));
            reply(response, ModelReadyResponse.newBuilder().setReady(ready).build());
        } catch (RuntimeException e) {
            response.onError(GrpcStatuses.of(e));
        }
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> response) {
        reply(response, ServerMetadataResponse.newBuilder()
                .setName(OpenInferenceController.SERVER_NAME)
                .setVersion(serverVersion)
                .addAllExtensions(OpenInferenceController.EXTENSIONS)
                .build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> response) {
        try {
            ModelMetadata metadata = ModelMetadata.of(resolver.resolve(request.getName(), version(request.getVersion())),
                    registry);
            reply(response, ModelMetadataResponse.newBuilder()
                    .setName(metadata.name())
                    .addAllVersions(metadata.versions())
                    .setPlatform(metadata.platform())
                    .addAllInputs(tensors(metadata.inputs()))
                    .addAllOutputs(tensors(metadata.outputs()))
                    .build());
        } catch (RuntimeException e) {
            response.onError(GrpcStatuses.of(e));
        }
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
        CompletableFuture<InferenceResponse> answer;
        boolean raw = request.getRawInputContentsCount() > 0;
        try {
            Integer version = version(request.getModelVersion());
            // the client's deadline bounds a lazy load as well as the queue; what the load spent is gone from it
            LoadedVersion target = resolver.resolve(request.getModelName(), version,
                    remaining(Context.current().getDeadline()));
            Images images = images(request, inference.maxImages());
            List<InferenceRequest.Output> requested = new ArrayList<>(request.getOutputsCount());
            request.getOutputsList().forEach(output -> requested.add(new InferenceRequest.Output(output.getName(), null)));
            List<String> outputs = ModelSignature.of(target).select(requested, request.getModelName());
            Duration timeout = remaining(Context.current().getDeadline());
            answer = inference.run(target, version == null, images, outputs,
                    request.getId().isEmpty() ? null : request.getId(), timeout);
        } catch (RuntimeException e) {
            response.onError(GrpcStatuses.of(e));
            return;
        }
        ServerCallStreamObserver<ModelInferResponse> call = (ServerCallStreamObserver<ModelInferResponse>) response;
        // a client that gave up frees its place in the queue; the batcher never computes a cancelled request
        call.setOnCancelHandler(() -> answer.cancel(false));
        answer.whenComplete((result, error) -> {
            if (call.isCancelled()) {
                return;
            }
            if (error != null) {
                call.onError(GrpcStatuses.of(error));
                return;
            }
            ModelInferResponse message;
            try {
                message = message(result, raw);
            } catch (RuntimeException encoding) {
                // never leave the call open: the client would wait for its deadline, or forever without one
                call.onError(GrpcStatuses.of(encoding));
                return;
            }
            call.onNext(message);
            call.onCompleted();
        });
    }

    /**
     * The time left before the client's deadline, taken now and handed to the batcher as its timeout; an expired
     * deadline becomes zero, which the batcher answers as passed without queueing. Null without a deadline (the
     * configured request timeout applies).
     */
    static Duration remaining(Deadline deadline) {
        if (deadline == null) {
            return null;
        }
        return Duration.ofNanos(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    }

    /** {@code model_version}: empty for the served version, otherwise a positive integer. */
    static Integer version(String version) {
        if (version.isEmpty()) {
            return null;
        }
        try {
            return Integer.valueOf(version);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("version: '" + version + "' is not valid; model versions are positive"
                    + " integers (or empty for the served version)");
        }
    }

    private static Images images(ModelInferRequest request, int maxImages) {
        InputTensor.checkCount(request.getInputsCount());
        ModelInferRequest.InferInputTensor input = request.getInputs(0);
        long[] shape = input.getShapeList().stream().mapToLong(Long::longValue).toArray();
        InputTensor.Header header = InputTensor.header(input.getName(), input.getDatatype(), shape, AT, maxImages);
        InferTensorContents contents = input.getContents();
        if (request.getRawInputContentsCount() > 0) {
            if (request.getRawInputContentsCount() != request.getInputsCount()) {
                throw InputTensor.invalid("raw_input_contents", "has " + request.getRawInputContentsCount()
                        + " entries; it needs one per input (" + request.getInputsCount() + ")");
            }
            if (input.hasContents() && !contents.equals(InferTensorContents.getDefaultInstance())) {
                throw InputTensor.invalid(AT + ".contents", "must be empty when raw_input_contents is used");
            }
            return InputTensor.fromBytes(header, request.getRawInputContents(0).asReadOnlyByteBuffer());
        }
        return switch (header.datatype()) {
            case FP32 -> {
                requireOnly(contents, contents.getFp32ContentsCount(), "fp32_contents", header);
                float[] values = new float[contents.getFp32ContentsCount()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = contents.getFp32Contents(i);
                }
                yield InputTensor.fromFloats(header, values);
            }
            case FP64 -> {
                requireOnly(contents, contents.getFp64ContentsCount(), "fp64_contents", header);
                double[] values = new double[contents.getFp64ContentsCount()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = contents.getFp64Contents(i);
                }
                yield InputTensor.fromDoubles(header, values);
            }
            case UINT8 -> {
                requireOnly(contents, contents.getUintContentsCount(), "uint_contents", header);
                int[] values = new int[contents.getUintContentsCount()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = contents.getUintContents(i);
                }
                yield InputTensor.fromUnsigned(header, values);
            }
        };
    }

    /** The contents field of the tensor's datatype must be the one used: others would be silently ignored. */
    private static void requireOnly(InferTensorContents contents, int count, String field, InputTensor.Header header) {
        int all = contents.getBoolContentsCount() + contents.getIntContentsCount() + contents.getInt64ContentsCount()
                + contents.getUintContentsCount() + contents.getUint64ContentsCount() + contents.getFp32ContentsCount()
                + contents.getFp64ContentsCount() + contents.getBytesContentsCount();
        if (count == 0 || all != count) {
            throw InputTensor.invalid(AT + ".contents", header.datatype() + " elements go in " + field
                    + " (or all inputs in raw_input_contents)" + (count == 0 && all == 0 ? "; none were sent" : ""));
        }
    }

    private static ModelInferResponse message(InferenceResponse result, boolean raw) {
        ModelInferResponse.Builder message = ModelInferResponse.newBuilder()
                .setModelName(result.modelName())
                .setModelVersion(result.modelVersion());
        Optional.ofNullable(result.id()).ifPresent(message::setId);
        for (InferenceResponse.Output output : result.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder tensor = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(output.name())
                    .setDatatype(output.datatype());
            for (long dimension : output.shape()) {
                tensor.addShape(dimension);
            }
            if (raw) {
                message.addRawOutputContents(ByteString.copyFrom(BinaryTensorData.bytes(output.data())));
            } else {
                InferTensorContents.Builder contents = InferTensorContents.newBuilder();
                if (output.data() instanceof float[] floats) {
                    for (float value : floats) {
                        contents.addFp32Contents(value);
                    }
                } else if (output.data() instanceof long[] longs) {
                    for (long value : longs) {
                        contents.addInt64Contents(value);
                    }
                } else if (output.data() instanceof String[] strings) {
                    for (String value : strings) {
                        contents.addBytesContents(ByteString.copyFromUtf8(value));
                    }
                }
                tensor.setContents(contents);
            }
            message.addOutputs(tensor);
        }
        return message.build();
    }

    private static List<ModelMetadataResponse.TensorMetadata> tensors(List<ModelMetadata.Tensor> tensors) {
        return tensors.stream().map(tensor -> {
            ModelMetadataResponse.TensorMetadata.Builder builder = ModelMetadataResponse.TensorMetadata.newBuilder()
                    .setName(tensor.name())
                    .setDatatype(tensor.datatype());
            for (long dimension : tensor.shape()) {
                builder.addShape(dimension);
            }
            return builder.build();
        }).toList();
    }

    private static <T> void reply(StreamObserver<T> response, T message) {
        response.onNext(message);
        response.onCompleted();
    }
}
