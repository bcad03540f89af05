package dev.digitserve.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import com.google.rpc.RetryInfo;

import dev.digitserve.model.ModelRegistry;
import dev.digitserve.protocol.grpc.v2.GRPCInferenceServiceGrpc;
import dev.digitserve.protocol.grpc.v2.InferTensorContents;
import dev.digitserve.protocol.grpc.v2.ModelInferRequest;
import dev.digitserve.protocol.grpc.v2.ModelInferResponse;
import dev.digitserve.protocol.grpc.v2.ModelMetadataRequest;
import dev.digitserve.protocol.grpc.v2.ModelMetadataResponse;
import dev.digitserve.protocol.grpc.v2.ModelReadyRequest;
import dev.digitserve.protocol.grpc.v2.ServerLiveRequest;
import dev.digitserve.protocol.grpc.v2.ServerMetadataRequest;
import dev.digitserve.protocol.grpc.v2.ServerReadyRequest;
import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.Ports;
import dev.digitserve.support.TestModels;
import dev.digitserve.support.V2;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import tools.jackson.databind.JsonNode;

/**
 * The V2 gRPC binding over a real port, driven by the stubs protoc generates from KServe's
 * {@code grpc_predict_v2.proto} (the client any gRPC user generates; none of the server's classes): all six
 * RPCs, typed and raw contents, and every status code the binding promises. Models: {@code rows} (linear, digit
 * d wins when pixel row d is painted; versions 1 and 2), {@code narrow} (queue of 2 images), {@code doomed}
 * (its batcher is closed by the test) and {@code tiny} (a small real DL4J CNN, also compared with REST).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.prediction.max-instances=4096",
        "digitserve.web.max-request-size=4MB",
        "digitserve.models.overrides.narrow.batching.queue-capacity=2",
        "digitserve.models.overrides.tiny.batching.queue-capacity=20000",
        // one image per engine call: the queued load then lasts long enough for a short deadline to pass in it,
        // however fast the machine (the tiny network takes microseconds per image in a batch)
        "digitserve.models.overrides.tiny.batching.max-batch-size=1"})
class GrpcInferenceIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-v2-grpc", root -> {
        TestModels.writeRowLasso(root, "rows", 1);
        TestModels.writeRowLasso(root, "rows", 2);
        TestModels.writeRowLasso(root, "narrow", 1);
        TestModels.writeRowLasso(root, "doomed", 1);
        V2.writeTinyCnn(root, "tiny", 1);
    });
    private static final int GRPC_PORT = Ports.free();

    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @LocalServerPort
    int httpPort;

    @Autowired
    ModelRegistry registry;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry properties) {
        properties.add("digitserve.models.dir", MODELS::toString);
        properties.add("digitserve.grpc.port", () -> GRPC_PORT);
    }

    @BeforeAll
    static void connect() {
        channel = Grpc.newChannelBuilderForAddress("localhost", GRPC_PORT, InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static float[] row(int digit) {
        return TestModels.rowImage(digit);
    }

    private static ModelInferRequest.InferInputTensor.Builder input(String datatype, long... shape) {
        ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
                .setName("input").setDatatype(datatype);
        for (long dimension : shape) {
            input.addShape(dimension);
        }
        return input;
    }

    private static ModelInferRequest fp32(String model, float[]... images) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (float[] image : images) {
            for (float pixel : image) {
                contents.addFp32Contents(pixel);
            }
        }
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(input("FP32", images.length, 784).setContents(contents)).build();
    }

    private static ByteString uint8(float[]... images) {
        byte[] bytes = new byte[images.length * 784];
        for (int i = 0; i < images.length; i++) {
            for (int p = 0; p < 784; p++) {
                bytes[i * 784 + p] = (byte) Math.round(images[i][p] * 255);
            }
        }
        return ByteString.copyFrom(bytes);
    }

    private static StatusRuntimeException failure(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("the call fails with a status").isNotNull();
        return e;
    }

    // ---- health, metadata ------------------------------------------------------------------------------

    @Test
    void serverLiveReadyAndMetadata() {
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        var metadata = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(metadata.getName()).isEqualTo("digitserve");
        assertThat(metadata.getExtensionsList()).contains("binary_tensor_data", "model_configuration");
    }

    @Test
    void modelReadyAnswersAndNotFound() {
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("rows").build()).getReady()).isTrue();
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("rows").setVersion("1").build()).getReady())
                .isTrue();
        assertThat(failure(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()))
                .getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName("rows").setVersion("9").build()))
                .getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName("rows").setVersion("x").build()))
                .getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void modelMetadataLikeRest() {
        ModelMetadataResponse metadata = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("rows").build());
        assertThat(metadata.getName()).isEqualTo("rows");
        assertThat(metadata.getVersionsList()).containsExactly("1", "2");
        assertThat(metadata.getPlatform()).isEqualTo("digitserve_linear");
        assertThat(metadata.getInputs(0).getName()).isEqualTo("input");
        assertThat(metadata.getInputs(0).getShapeList()).containsExactly(-1L, 784L);
        assertThat(metadata.getOutputsList()).extracting(ModelMetadataResponse.TensorMetadata::getName)
                .containsExactly("scores", "digit", "label");
        StatusRuntimeException unknown = failure(() -> stub.modelMetadata(
                ModelMetadataRequest.newBuilder().setName("rows").setVersion("7").build()));
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getStatus().getDescription()).contains("rows", "7");
    }

    @Test
    void healthCheckAndReflectionForGrpcurlStyleTools() throws InterruptedException {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder().setService("inference.GRPCInferenceService").build())
                .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(failure(() -> health.check(HealthCheckRequest.newBuilder().setService("other").build()))
                .getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);

        List<String> services = new ArrayList<>();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
                new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        response.getListServicesResponse().getServiceList().forEach(s -> services.add(s.getName()));
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(services).contains("inference.GRPCInferenceService", "grpc.health.v1.Health");
    }

    // ---- inference ---------------------------------------------------------------------------------------

    @Test
    void fp32ContentsAnswerWithContentsAndEchoTheId() {
        ModelInferRequest request = fp32("rows", row(3), row(8)).toBuilder().setId("abc").build();
        ModelInferResponse response = stub.modelInfer(request);
        assertThat(response.getModelName()).isEqualTo("rows");
        assertThat(response.getModelVersion()).isEqualTo("2");
        assertThat(response.getId()).isEqualTo("abc");
        assertThat(response.getRawOutputContentsCount()).isZero();
        assertThat(response.getOutputs(0).getName()).isEqualTo("scores");
        assertThat(response.getOutputs(0).getShapeList()).containsExactly(2L, 10L);
        assertThat(response.getOutputs(0).getContents().getFp32ContentsCount()).isEqualTo(20);
        assertThat(response.getOutputs(1).getName()).isEqualTo("digit");
        assertThat(response.getOutputs(1).getDatatype()).isEqualTo("INT64");
        assertThat(response.getOutputs(1).getContents().getInt64ContentsList()).containsExactly(3L, 8L);
    }

    @Test
    void fp64AndUintContentsAndASelectedOutputOfAGivenVersion() {
        InferTensorContents.Builder doubles = InferTensorContents.newBuilder();
        for (float pixel : row(5)) {
            doubles.addFp64Contents(pixel);
        }
        ModelInferResponse fp64 = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("rows").setModelVersion("1")
                .addInputs(input("FP64", 1, 28, 28).setContents(doubles))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("digit")).build());
        assertThat(fp64.getModelVersion()).isEqualTo("1");
        assertThat(fp64.getOutputsCount()).isEqualTo(1);
        assertThat(fp64.getOutputs(0).getContents().getInt64ContentsList()).containsExactly(5L);

        InferTensorContents.Builder bytes = InferTensorContents.newBuilder();
        for (float pixel : row(6)) {
            bytes.addUintContents(Math.round(pixel * 255));
        }
        ModelInferResponse uint = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("rows")
                .addInputs(input("UINT8", 1, 1, 28, 28).setContents(bytes)).build());
        assertThat(uint.getOutputs(1).getContents().getInt64ContentsList()).containsExactly(6L);
    }

    @Test
    void rawInputsAnswerWithRawOutputs() {
        ModelInferResponse response = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("rows")
                .addInputs(input("UINT8", 3, 784))
                .addRawInputContents(uint8(row(0), row(4), row(9))).build());
        // scores, digit and (since models carry labels) label, each as raw bytes
        assertThat(response.getRawOutputContentsCount()).isEqualTo(3);
        assertThat(response.getOutputs(0).hasContents()).isFalse();
        assertThat(response.getRawOutputContents(0).size()).isEqualTo(3 * 10 * 4);
        ByteBuffer digits = response.getRawOutputContents(1).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new long[] {digits.getLong(), digits.getLong(), digits.getLong()}).containsExactly(0, 4, 9);
        assertThat(response.getOutputs(2).getDatatype()).isEqualTo("BYTES");
        ByteBuffer labels = response.getRawOutputContents(2).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        java.util.List<String> read = new java.util.ArrayList<>();
        while (labels.hasRemaining()) {
            byte[] label = new byte[labels.getInt()];
            labels.get(label);
            read.add(new String(label, java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(read).containsExactly("0", "4", "9");
    }

    @Test
    void theCnnAnswersTheSameProbabilitiesAsRest() {
        float[] image = row(2);
        ModelInferResponse grpc = stub.modelInfer(fp32("tiny", image));
        JsonNode rest = new HttpTestClient(httpPort).postJson("/v2/models/tiny/infer", V2.fp32(image)).json();
        JsonNode restProbabilities = rest.get("outputs").get(0).get("data");
        assertThat(grpc.getOutputs(0).getName()).isEqualTo("probabilities");
        for (int i = 0; i < 10; i++) {
            assertThat(grpc.getOutputs(0).getContents().getFp32Contents(i)).isEqualTo(restProbabilities.get(i).floatValue());
        }
        assertThat(grpc.getOutputs(1).getContents().getInt64Contents(0))
                .isEqualTo(rest.get("outputs").get(1).get("data").get(0).asLong());
    }

    // ---- status codes -----------------------------------------------------------------------------------

    @Test
    void unknownModelOrVersionIsNotFound() {
        assertThat(failure(() -> stub.modelInfer(fp32("nope", row(1)))).getStatus().getCode())
                .isEqualTo(Status.Code.NOT_FOUND);
        StatusRuntimeException version = failure(() -> stub.modelInfer(fp32("rows", row(1)).toBuilder()
                .setModelVersion("3").build()));
        assertThat(version.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void aBadTensorIsInvalidArgumentNamingIt() {
        StatusRuntimeException shape = failure(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("rows")
                .addInputs(input("FP32", 1, 780).setContents(InferTensorContents.newBuilder().addFp32Contents(0)))
                .build()));
        assertThat(shape.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(shape.getStatus().getDescription()).contains("inputs[0].shape", "[1, 780]");

        InferTensorContents.Builder doubles = InferTensorContents.newBuilder();
        for (int i = 0; i < 784; i++) {
            doubles.addFp64Contents(0);
        }
        StatusRuntimeException field = failure(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("rows")
                .addInputs(input("FP32", 1, 784).setContents(doubles)).build()));
        assertThat(field.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(field.getStatus().getDescription()).contains("inputs[0].contents", "fp32_contents");

        InferTensorContents.Builder big = InferTensorContents.newBuilder();
        for (int i = 0; i < 784; i++) {
            big.addUintContents(i == 30 ? 256 : 0);
        }
        StatusRuntimeException range = failure(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("rows")
                .addInputs(input("UINT8", 1, 784).setContents(big)).build()));
        assertThat(range.getStatus().getDescription()).contains("inputs[0]", "element [0, 30]", "256");

        StatusRuntimeException raw = failure(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("rows")
                .addInputs(input("FP32", 1, 784)).addRawInputContents(uint8(row(1))).build()));
        assertThat(raw.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(raw.getStatus().getDescription()).contains("inputs[0]", "\"input\"", "784 bytes", "3136");

        StatusRuntimeException output = failure(() -> stub.modelInfer(fp32("rows", row(1)).toBuilder()
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("embedding")).build()));
        assertThat(output.getStatus().getDescription()).contains("outputs[0].name", "embedding");
    }

    @Test
    void aFullQueueIsResourceExhaustedWithRetryInfo() throws Exception {
        // narrow queues at most 2 images: 3 in one request never fit
        StatusRuntimeException full = failure(() -> stub.modelInfer(fp32("narrow", row(1), row(2), row(3))));
        assertThat(full.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(full.getStatus().getDescription()).contains("narrow", "queued");
        com.google.rpc.Status details = StatusProto.fromThrowable(full);
        assertThat(details).isNotNull();
        RetryInfo retry = details.getDetails(0).unpack(RetryInfo.class);
        assertThat(retry.getRetryDelay().getSeconds()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aMessageOverTheRequestSizeLimitIsResourceExhausted() {
        // 4 MB limit; 1,400 FP32 images as raw bytes are 4.4 MB
        ByteString tooBig = ByteString.copyFrom(new byte[1400 * 784 * 4]);
        StatusRuntimeException e = failure(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("rows")
                .addInputs(input("FP32", 1400, 784)).addRawInputContents(tooBig).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void aClosedVersionIsUnavailableWithRetryInfo() throws Exception {
        registry.served("doomed").orElseThrow().batcher().close();
        StatusRuntimeException closed = failure(() -> stub.modelInfer(fp32("doomed", row(1))));
        assertThat(closed.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(StatusProto.fromThrowable(closed).getDetails(0).unpack(RetryInfo.class).getRetryDelay().getSeconds())
                .isGreaterThanOrEqualTo(1);
    }

    /**
     * While the CNN works through 16,384 queued images, one per engine call (more than 4,096 still waiting), a one-image request with a 50 ms deadline expires in the
     * queue: DEADLINE_EXCEEDED, counted as a deadline refusal by the server, and never computed.
     */
    @Test
    void aDeadlinePassingInTheQueueIsDeadlineExceededAndNeverComputed() throws Exception {
        HttpTestClient http = new HttpTestClient(httpPort);
        double imagesBefore = V2.imagesCounted(http, "tiny", 1);
        double deadlinesBefore = counter(http, "digitserve_inference_rejected_total", "tiny", "reason=\"deadline\"");
        GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async = GRPCInferenceServiceGrpc.newFutureStub(channel);
        List<ListenableFuture<ModelInferResponse>> load = new ArrayList<>();
        float[][] images = new float[4096][];
        for (int i = 0; i < images.length; i++) {
            images[i] = row(i % 10);
        }
        ModelInferRequest big = ModelInferRequest.newBuilder().setModelName("tiny")
                .addInputs(input("UINT8", images.length, 784)).addRawInputContents(uint8(images)).build();
        for (int i = 0; i < 4; i++) {
            load.add(async.modelInfer(big));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> queueDepth(http, "tiny") > 4096);

        StatusRuntimeException late = failure(() -> stub.withDeadlineAfter(50, TimeUnit.MILLISECONDS)
                .modelInfer(fp32("tiny", row(1))));
        assertThat(late.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);

        for (ListenableFuture<ModelInferResponse> response : load) {
            assertThat(response.get(120, TimeUnit.SECONDS).getRawOutputContents(1).size()).isEqualTo(4096 * 8);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                counter(http, "digitserve_inference_rejected_total", "tiny", "reason=\"deadline\""))
                .isEqualTo(deadlinesBefore + 1));
        assertThat(V2.imagesCounted(http, "tiny", 1)).isEqualTo(imagesBefore + load.size() * 4096);
    }

    private static double queueDepth(HttpTestClient http, String model) {
        return counter(http, "digitserve_batch_queue_depth", model, "");
    }

    /** Sum of a Prometheus series for one model whose labels contain {@code label} (0 when absent). */
    private static double counter(HttpTestClient http, String metric, String model, String label) {
        String scrape = http.get("/actuator/prometheus").body();
        Matcher matcher = Pattern.compile("^" + metric + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        double total = 0;
        while (matcher.find()) {
            String labels = matcher.group(1);
            if (labels.contains("model=\"" + model + "\"") && labels.contains(label)) {
                total += Double.parseDouble(matcher.group(2));
            }
        }
        return total;
    }
}
