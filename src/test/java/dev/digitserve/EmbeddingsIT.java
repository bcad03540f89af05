package dev.digitserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.protocol.grpc.v2.GRPCInferenceServiceGrpc;
import dev.digitserve.protocol.grpc.v2.InferTensorContents;
import dev.digitserve.protocol.grpc.v2.ModelInferRequest;
import dev.digitserve.protocol.grpc.v2.ModelInferResponse;
import dev.digitserve.protocol.grpc.v2.ModelMetadataRequest;
import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.Ports;
import dev.digitserve.support.TestData;
import dev.digitserve.support.TestImages;
import dev.digitserve.support.TestModels;
import dev.digitserve.support.V2;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import tools.jackson.databind.JsonNode;

/**
 * Embeddings of the shipped CNN over every binding, on real HTTP and gRPC ports: v1 {@code /embeddings} with JSON,
 * PNG and multipart inputs on both paths, V2 REST (JSON and binary) and gRPC with the {@code embedding} output
 * alone, with the others, and in the metadata; the same numbers through every door, whatever the batch; and the
 * 400 (v1 problem, V2 error, gRPC INVALID_ARGUMENT) that says why the Lasso model has none.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EmbeddingsIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-embeddings",
            root -> TestModels.copyShipped(root, "cnn/1", "lasso/1"));
    private static final int GRPC_PORT = Ports.free();
    private static final int WIDTH = 128;
    private static final int COUNT = 8;

    private static ManagedChannel channel;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry properties) {
        properties.add("digitserve.models.dir", MODELS::toString);
        properties.add("digitserve.grpc.port", () -> GRPC_PORT);
    }

    @BeforeAll
    static void connect() {
        channel = Grpc.newChannelBuilderForAddress("localhost", GRPC_PORT, InsecureChannelCredentials.create()).build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private HttpTestClient http() {
        return new HttpTestClient(port);
    }

    private static float[] digit(int index) {
        return TestData.testSet().floats(index, index + 1);
    }

    private static float[][] rows(JsonNode embeddings) {
        float[][] rows = new float[embeddings.size()][];
        for (int i = 0; i < rows.length; i++) {
            JsonNode row = embeddings.get(i);
            rows[i] = new float[row.size()];
            for (int j = 0; j < row.size(); j++) {
                rows[i][j] = (float) row.get(j).asDouble();
            }
        }
        return rows;
    }

    private static float[] flat(JsonNode data) {
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) data.get(i).asDouble();
        }
        return values;
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-4f + 1e-4f * Math.abs(expected[i])));
        }
    }

    /** {@code {"instances": [...]}} of MNIST test images {@code from..to} at full float precision, as V2 sends them. */
    private static String instances(int from, int to) {
        StringBuilder json = new StringBuilder("{\"instances\": [");
        for (int i = from; i < to; i++) {
            json.append(i > from ? ", " : "").append(V2.flat(digit(i)));
        }
        return json.append("]}").toString();
    }

    private float[][] v1(String path, String json) {
        HttpTestClient.Response response = http().postJson(path, json);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return rows(response.json().get("embeddings"));
    }

    // ---- v1 --------------------------------------------------------------------------------------------

    @Test
    void v1AnswersOneEmbeddingOf128PerImageThatIsTheSameEveryTimeAndInEveryBatch() {
        String json = instances(0, COUNT);
        HttpTestClient.Response response = http().postJson("/api/v1/models/cnn/embeddings", json);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.get("model").asString()).isEqualTo("cnn");
        assertThat(body.get("version").asInt()).isEqualTo(1);
        float[][] batched = rows(body.get("embeddings"));
        assertThat(batched).hasNumberOfRows(COUNT);
        for (float[] row : batched) {
            assertThat(row).hasSize(WIDTH);
            for (float value : row) {
                assertThat(value).as("ReLU activations").isGreaterThanOrEqualTo(0f);
            }
        }

        float[][] again = v1("/api/v1/models/cnn/versions/1/embeddings", json);
        for (int i = 0; i < COUNT; i++) {
            assertThat(again[i]).as("same input, same embedding").containsExactly(batched[i]);
            float[] alone = v1("/api/v1/models/cnn/embeddings", instances(i, i + 1))[0];
            assertClose(alone, batched[i]);
        }
    }

    @Test
    void v1TakesThePredictInputsImageBodyAndMultipart() {
        byte[] png = TestImages.png(TestImages.blackOnWhite(digit(0), 112));
        HttpTestClient.Response body = http().post("/api/v1/models/cnn/versions/1/embeddings", "image/png", png);
        assertThat(body.status()).as(body.body()).isEqualTo(200);
        float[] fromBody = rows(body.json().get("embeddings"))[0];
        assertThat(fromBody).hasSize(WIDTH);

        String boundary = "embeddings-it";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] middle = ("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"b.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] multipart = concat(head, png, middle, png, tail);
        HttpTestClient.Response parts = http().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/v1/models/cnn/embeddings"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(multipart)));
        assertThat(parts.status()).as(parts.body()).isEqualTo(200);
        float[][] uploaded = rows(parts.json().get("embeddings"));
        assertThat(uploaded).hasNumberOfRows(2);
        assertClose(uploaded[0], fromBody);
        assertClose(uploaded[1], fromBody);

        // the same checks as predict: a bad image is the same 400
        HttpTestClient.Response bad = http().post("/api/v1/models/cnn/embeddings", "image/png", new byte[] {1, 2, 3});
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).startsWith("application/problem+json");
    }

    @Test
    void theLassoModelHasNoEmbeddingAndV1SaysWhy() {
        HttpTestClient.Response response = http().postJson("/api/v1/models/lasso/embeddings",
                instances(0, 1));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("type").asString()).isEqualTo("urn:digitserve:problem:invalid-request");
        assertThat(problem.get("detail").asString()).contains("lasso", "has no embedding", "CNN");
    }

    @Test
    void openApiDocumentsBothEmbeddingPathsLikePredict() {
        JsonNode paths = http().get("/v3/api-docs").json().get("paths");
        JsonNode served = paths.get("/api/v1/models/{name}/embeddings").get("post");
        assertThat(served.get("summary").asString()).contains("Embeddings", "served version");
        assertThat(served.get("description").asString()).contains("128", "cosine", "Lasso", "instances", "image/png");
        JsonNode content = served.get("requestBody").get("content");
        assertThat(content.get("application/json").get("examples").has("mnist-seven")).isTrue();
        assertThat(content.get("image/png").get("schema").get("format").asString()).isEqualTo("binary");
        assertThat(content.has("multipart/form-data")).isTrue();
        assertThat(served.get("responses").has("400")).isTrue();
        assertThat(paths.get("/api/v1/models/{name}/versions/{version}/embeddings").get("post").get("summary").asString())
                .contains("given version");
    }

    // ---- V2 REST -----------------------------------------------------------------------------------------

    @Test
    void v2MetadataListsTheEmbeddingOfCnnModelsOnly() {
        JsonNode cnn = http().get("/v2/models/cnn").json().get("outputs");
        JsonNode last = cnn.get(cnn.size() - 1);
        assertThat(last.get("name").asString()).isEqualTo("embedding");
        assertThat(last.get("datatype").asString()).isEqualTo("FP32");
        assertThat(last.get("shape").toString()).isEqualTo("[-1,128]");
        JsonNode lasso = http().get("/v2/models/lasso").json().get("outputs");
        for (JsonNode output : lasso) {
            assertThat(output.get("name").asString()).isNotEqualTo("embedding");
        }
        JsonNode config = http().get("/v2/models/cnn/config").json().get("output");
        assertThat(config.toString()).contains("\"embedding\"", "[128]");
    }

    @Test
    void v2ReturnsTheEmbeddingAloneOrWithTheOthersAndOnlyWhenNamed() {
        float[][] expected = v1("/api/v1/models/cnn/embeddings", instances(0, 2));
        String tensor = V2.tensor("FP32", new long[] {2, 784}, V2.flat(digit(0), digit(1)));

        JsonNode alone = http().postJson("/v2/models/cnn/infer", V2.request(null, tensor, List.of("embedding")))
                .json().get("outputs");
        assertThat(alone.size()).isEqualTo(1);
        assertThat(alone.get(0).get("name").asString()).isEqualTo("embedding");
        assertThat(alone.get(0).get("datatype").asString()).isEqualTo("FP32");
        assertThat(alone.get(0).get("shape").toString()).isEqualTo("[2,128]");
        float[] data = flat(alone.get(0).get("data"));
        assertClose(java.util.Arrays.copyOfRange(data, 0, WIDTH), expected[0]);
        assertClose(java.util.Arrays.copyOfRange(data, WIDTH, 2 * WIDTH), expected[1]);

        JsonNode mixed = http().postJson("/v2/models/cnn/infer",
                V2.request(null, tensor, List.of("digit", "embedding", "probabilities"))).json().get("outputs");
        assertThat(mixed.size()).isEqualTo(3);
        assertThat(mixed.get(0).get("data").toString()).isEqualTo("[7,2]");
        assertThat(mixed.get(1).get("name").asString()).isEqualTo("embedding");
        assertClose(flat(mixed.get(1).get("data")), data);
        assertThat(mixed.get(2).get("shape").toString()).isEqualTo("[2,10]");

        JsonNode byDefault = http().postJson("/v2/models/cnn/infer", V2.request(null, tensor, null)).json().get("outputs");
        assertThat(byDefault.size()).isEqualTo(3);
        for (JsonNode output : byDefault) {
            assertThat(output.get("name").asString()).isNotEqualTo("embedding");
        }
    }

    @Test
    void v2SendsTheEmbeddingAsBinaryData() {
        String header = "{\"inputs\": [" + V2.tensor("FP32", new long[] {1, 784}, V2.flat(digit(0)))
                + "], \"outputs\": [{\"name\": \"embedding\", \"parameters\": {\"binary_data\": true}}]}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        java.net.http.HttpResponse<byte[]> response;
        try {
            response = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + port + "/v2/models/cnn/infer"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        assertThat(response.statusCode()).isEqualTo(200);
        int length = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(response.body().length - length).isEqualTo(WIDTH * 4);
        ByteBuffer bytes = ByteBuffer.wrap(response.body(), length, WIDTH * 4).slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] binary = new float[WIDTH];
        bytes.asFloatBuffer().get(binary);
        assertClose(binary, v1("/api/v1/models/cnn/embeddings", instances(0, 1))[0]);
    }

    @Test
    void v2RefusesTheEmbeddingOfTheLassoModelSayingWhy() {
        HttpTestClient.Response response = http().postJson("/v2/models/lasso/infer", V2.request(null,
                V2.tensor("FP32", new long[] {1, 784}, V2.flat(digit(0))), List.of("embedding")));

        String message = V2.assertError(response, 400);
        assertThat(message).contains("outputs[0].name", "lasso", "embedding", "only CNN models");
    }

    // ---- gRPC --------------------------------------------------------------------------------------------

    private static ModelInferRequest grpcRequest(String model, List<String> outputs, float[]... images) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (float[] image : images) {
            for (float pixel : image) {
                contents.addFp32Contents(pixel);
            }
        }
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                        .addShape(images.length).addShape(784).setContents(contents));
        outputs.forEach(name -> request.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(name)));
        return request.build();
    }

    @Test
    void grpcSelectsTheEmbeddingListsItAndRefusesItForLasso() {
        assertThat(stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("cnn").build()).getOutputsList())
                .anySatisfy(output -> {
                    assertThat(output.getName()).isEqualTo("embedding");
                    assertThat(output.getShapeList()).containsExactly(-1L, 128L);
                });

        ModelInferResponse answer = stub.modelInfer(grpcRequest("cnn", List.of("label", "embedding"), digit(0), digit(1)));
        assertThat(answer.getOutputsCount()).isEqualTo(2);
        assertThat(answer.getOutputs(0).getContents().getBytesContentsList()).extracting(b -> b.toStringUtf8())
                .containsExactly("7", "2");
        ModelInferResponse.InferOutputTensor embedding = answer.getOutputs(1);
        assertThat(embedding.getName()).isEqualTo("embedding");
        assertThat(embedding.getShapeList()).containsExactly(2L, 128L);
        float[] values = new float[embedding.getContents().getFp32ContentsCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = embedding.getContents().getFp32Contents(i);
        }
        float[][] expected = v1("/api/v1/models/cnn/embeddings", instances(0, 2));
        assertClose(java.util.Arrays.copyOfRange(values, WIDTH, 2 * WIDTH), expected[1]);

        StatusRuntimeException lasso = catchThrowableOfType(StatusRuntimeException.class,
                () -> stub.modelInfer(grpcRequest("lasso", List.of("embedding"), digit(0))));
        assertThat(lasso).isNotNull();
        assertThat(lasso.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(lasso.getStatus().getDescription()).contains("lasso", "embedding", "only CNN models");
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int offset = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, offset, part.length);
            offset += part.length;
        }
        return all;
    }
}
