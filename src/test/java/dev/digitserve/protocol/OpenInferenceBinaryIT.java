package dev.digitserve.protocol;

import static dev.digitserve.support.V2.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestModels;
import dev.digitserve.support.V2;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What standard clients send over REST, built byte by byte here rather than with any client library: a body
 * without Content-Type (Triton's Python client), the binary tensor data extension in both directions (JSON
 * header of {@code Inference-Header-Content-Length} bytes, then little-endian tensors), and the model
 * configuration extension. Against {@code rows}, a linear model whose digit d wins when pixel row d is painted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.prediction.max-instances=8",
        "digitserve.models.overrides.rows.batching.max-batch-size=16",
        "digitserve.models.overrides.rows.batching.max-queue-delay=3ms"})
class OpenInferenceBinaryIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-v2-binary", root -> {
        TestModels.writeRowLasso(root, "rows", 1);
        TestModels.writeRowLasso(root, "rows", 2);
    });
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String HEADER = "Inference-Header-Content-Length";
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    /** A response with its raw bytes (binary bodies are not text). */
    record Raw(int status, String contentType, String headerLength, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The JSON part: all of it, or the first Inference-Header-Content-Length bytes. */
        JsonNode json() {
            int length = headerLength == null ? body.length : Integer.parseInt(headerLength);
            return JSON.readTree(new String(body, 0, length, StandardCharsets.UTF_8));
        }

        ByteBuffer binary() {
            int length = Integer.parseInt(headerLength);
            return ByteBuffer.wrap(body, length, body.length - length).slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        HttpTestClient.Response asText() {
            return new HttpTestClient.Response(status, contentType, text(), null);
        }
    }

    private Raw post(String path, String contentType, Integer headerLength, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (headerLength != null) {
            request.header(HEADER, Integer.toString(headerLength));
        }
        HttpResponse<byte[]> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Raw(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                response.headers().firstValue(HEADER).orElse(null), response.body());
    }

    /** JSON header + tensor bytes, as the extension lays out a body. */
    private static byte[] body(String header, byte[]... tensors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
        for (byte[] tensor : tensors) {
            out.writeBytes(tensor);
        }
        return out.toByteArray();
    }

    private static int length(String header) {
        return header.getBytes(StandardCharsets.UTF_8).length;
    }

    private static byte[] fp32(float[]... images) {
        ByteBuffer buffer = ByteBuffer.allocate(images.length * 784 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] image : images) {
            for (float pixel : image) {
                buffer.putFloat(pixel);
            }
        }
        return buffer.array();
    }

    private static byte[] fp64(float[]... images) {
        ByteBuffer buffer = ByteBuffer.allocate(images.length * 784 * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] image : images) {
            for (float pixel : image) {
                buffer.putDouble(pixel);
            }
        }
        return buffer.array();
    }

    private static byte[] uint8(float[]... images) {
        byte[] bytes = new byte[images.length * 784];
        for (int i = 0; i < images.length; i++) {
            for (int p = 0; p < 784; p++) {
                bytes[i * 784 + p] = (byte) Math.round(images[i][p] * 255);
            }
        }
        return bytes;
    }

    private static float[] row(int digit) {
        return TestModels.rowImage(digit);
    }

    private static String input(String datatype, int n, int bytes) {
        return "{\"name\": \"input\", \"shape\": [" + n + ", 784], \"datatype\": \"" + datatype
                + "\", \"parameters\": {\"binary_data_size\": " + bytes + "}}";
    }

    // ---- no Content-Type ------------------------------------------------------------------------------

    @Test
    void aJsonBodyWithoutContentTypeIsReadAsJson() throws Exception {
        byte[] json = V2.fp32(row(3), row(8)).getBytes(StandardCharsets.UTF_8);
        Raw response = post("/v2/models/rows/infer", null, null, json);
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        JsonNode digit = response.json().get("outputs").get(1);
        assertThat(digit.get("name").asString()).isEqualTo("digit");
        assertThat(digit.get("data").get(0).asInt()).isEqualTo(3);
        assertThat(digit.get("data").get(1).asInt()).isEqualTo(8);
    }

    @Test
    void aDeclaredTypeThatIsNeitherJsonNorBinaryIsRefusedWith415() throws Exception {
        byte[] json = V2.fp32(row(3)).getBytes(StandardCharsets.UTF_8);
        String message = assertError(post("/v2/models/rows/infer", "text/plain", null, json).asText(), 415);
        assertThat(message).contains("text/plain", "application/json", HEADER);
        assertError(post("/v2/models/rows/infer", "image/png", null, json).asText(), 415);
    }

    @Test
    void octetStreamWithoutHeaderLengthIsA400NamingTheHeader() throws Exception {
        byte[] json = V2.fp32(row(3)).getBytes(StandardCharsets.UTF_8);
        String message = assertError(post("/v2/models/rows/infer", "application/octet-stream", null, json).asText(), 400);
        assertThat(message).contains(HEADER);
    }

    @Test
    void anEmptyBodyWithoutContentTypeSaysTheBodyIsMissing() throws Exception {
        String message = assertError(post("/v2/models/rows/infer", null, null, new byte[0]).asText(), 400);
        assertThat(message).contains("missing");
    }

    // ---- binary inputs -------------------------------------------------------------------------------

    @Test
    void binaryFp32InputWithJsonOutputs() throws Exception {
        String header = "{\"id\": \"b1\", \"inputs\": [" + input("FP32", 2, 2 * 784 * 4) + "]}";
        Raw response = post("/v2/models/rows/infer", "application/octet-stream", length(header),
                body(header, fp32(row(4), row(6))));
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.headerLength()).isNull();
        JsonNode json = response.json();
        assertThat(json.get("id").asString()).isEqualTo("b1");
        JsonNode digit = json.get("outputs").get(1);
        assertThat(digit.get("data").get(0).asInt()).isEqualTo(4);
        assertThat(digit.get("data").get(1).asInt()).isEqualTo(6);
        assertThat(digit.has("parameters")).isFalse();
    }

    @Test
    void binaryUint8InputWithoutContentTypeAndAllOutputsBinary() throws Exception {
        // Triton's client: no Content-Type, binary input, no outputs listed, binary_data_output true
        String header = "{\"parameters\": {\"binary_data_output\": true}, \"inputs\": ["
                + input("UINT8", 3, 3 * 784) + "]}";
        Raw response = post("/v2/models/rows/versions/2/infer", null, length(header),
                body(header, uint8(row(1), row(9), row(0))));
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo("application/octet-stream");
        assertThat(response.headerLength()).isNotNull();
        JsonNode json = response.json();
        assertThat(json.get("model_version").asString()).isEqualTo("2");
        JsonNode scores = json.get("outputs").get(0);
        JsonNode digit = json.get("outputs").get(1);
        assertThat(scores.get("name").asString()).isEqualTo("scores");
        assertThat(scores.has("data")).isFalse();
        assertThat(scores.get("parameters").get("binary_data_size").asInt()).isEqualTo(3 * 10 * 4);
        assertThat(digit.get("datatype").asString()).isEqualTo("INT64");
        assertThat(digit.get("parameters").get("binary_data_size").asInt()).isEqualTo(3 * 8);
        ByteBuffer binary = response.binary();
        // scores, digits, then the labels as BYTES (a 4-byte length and one character each)
        assertThat(binary.remaining()).isEqualTo(3 * 10 * 4 + 3 * 8 + 3 * (4 + 1));
        float[] rowScores = new float[30];
        binary.asFloatBuffer().get(rowScores);
        binary.position(120);
        assertThat(new long[] {binary.getLong(), binary.getLong(), binary.getLong()}).containsExactly(1, 9, 0);
        // the scores agree with the digits: row i's arg-max
        assertThat(argmax(Arrays.copyOfRange(rowScores, 10, 20))).isEqualTo(9);
    }

    @Test
    void oneOutputBinaryTheOtherJsonInTheRequestedOrder() throws Exception {
        String header = "{\"inputs\": [" + input("FP64", 1, 784 * 8) + "], \"outputs\": ["
                + "{\"name\": \"digit\", \"parameters\": {\"binary_data\": true}}, {\"name\": \"scores\"}]}";
        Raw response = post("/v2/models/rows/infer", "application/json", length(header), body(header, fp64(row(7))));
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo("application/octet-stream");
        JsonNode outputs = response.json().get("outputs");
        assertThat(outputs.get(0).get("name").asString()).isEqualTo("digit");
        assertThat(outputs.get(0).get("parameters").get("binary_data_size").asInt()).isEqualTo(8);
        assertThat(outputs.get(1).get("name").asString()).isEqualTo("scores");
        assertThat(outputs.get(1).get("data").size()).isEqualTo(10);
        assertThat(response.binary().getLong()).isEqualTo(7);
    }

    @Test
    void binaryDataFalseOverridesBinaryDataOutput() throws Exception {
        String header = "{\"parameters\": {\"binary_data_output\": true}, \"inputs\": [" + input("FP32", 1, 784 * 4)
                + "], \"outputs\": [{\"name\": \"digit\", \"parameters\": {\"binary_data\": false}}]}";
        Raw response = post("/v2/models/rows/infer", null, length(header), body(header, fp32(row(2))));
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.json().get("outputs").get(0).get("data").get(0).asInt()).isEqualTo(2);
    }

    @Test
    void aJsonRequestMayAskForBinaryOutputs() throws Exception {
        String json = "{\"inputs\": [" + V2.tensor("FP32", new long[] {1, 784}, V2.flat(row(5)))
                + "], \"outputs\": [{\"name\": \"digit\", \"parameters\": {\"binary_data\": true}}]}";
        Raw response = post("/v2/models/rows/infer", "application/json", null, json.getBytes(StandardCharsets.UTF_8));
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo("application/octet-stream");
        assertThat(response.binary().getLong()).isEqualTo(5);
    }

    // ---- binary input errors ---------------------------------------------------------------------------

    @Test
    void aSizeThatDoesNotMatchShapeTimesDatatypeNamesTheInput() throws Exception {
        // 784 bytes declared and sent, but [1, 784] FP32 needs 3136
        String header = "{\"inputs\": [" + input("FP32", 1, 784) + "]}";
        String message = assertError(post("/v2/models/rows/infer", null, length(header),
                body(header, uint8(row(1)))).asText(), 400);
        assertThat(message).contains("inputs[0]", "\"input\"", "784 bytes", "3136");
    }

    @Test
    void declaredSizesMustCoverTheBinaryPartExactly() throws Exception {
        String header = "{\"inputs\": [" + input("UINT8", 1, 784) + "]}";
        String extra = assertError(post("/v2/models/rows/infer", null, length(header),
                body(header, uint8(row(1)), new byte[5])).asText(), 400);
        assertThat(extra).contains("5 bytes", HEADER);
        String missing = assertError(post("/v2/models/rows/infer", null, length(header),
                body(header, Arrays.copyOf(uint8(row(1)), 700))).asText(), 400);
        assertThat(missing).contains("inputs[0].parameters.binary_data_size", "784", "700");
    }

    @Test
    void severalBinaryInputsAreSlicedInOrderAndTheModelTakesOne() throws Exception {
        String header = "{\"inputs\": [" + input("UINT8", 1, 784) + ", "
                + input("UINT8", 1, 784).replace("\"input\"", "\"second\"") + "]}";
        // both slices are claimed, so the body is well-formed: the model's single input is what is refused
        String message = assertError(post("/v2/models/rows/infer", null, length(header),
                body(header, uint8(row(1)), uint8(row(2)))).asText(), 400);
        assertThat(message).contains("got 2 tensors");
        // the second input claims more than is left: named by its index and name
        String shortMessage = assertError(post("/v2/models/rows/infer", null, length(header),
                body(header, uint8(row(1)), new byte[10])).asText(), 400);
        assertThat(shortMessage).contains("inputs[1]", "\"second\"", "784", "10 bytes");
    }

    @Test
    void binaryFloatsOutsideTheUnitIntervalAreRefused() throws Exception {
        float[] image = row(3).clone();
        image[5] = 7f;
        String header = "{\"inputs\": [" + input("FP32", 1, 784 * 4) + "]}";
        String message = assertError(post("/v2/models/rows/infer", null, length(header),
                body(header, fp32(image))).asText(), 400);
        assertThat(message).contains("inputs[0]", "element [0, 5]", "outside [0, 1]");
    }

    @Test
    void aHeaderLengthBeyondTheBodyOrNotANumberIsA400() throws Exception {
        byte[] json = V2.fp32(row(3)).getBytes(StandardCharsets.UTF_8);
        assertThat(assertError(post("/v2/models/rows/infer", null, json.length + 10, json).asText(), 400))
                .contains(HEADER, "only " + json.length + " bytes");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v2/models/rows/infer"))
                .header(HEADER, "ten").POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(assertError(new HttpTestClient.Response(response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""), response.body(), response), 400))
                .contains(HEADER, "'ten'");
    }

    @Test
    void aBinaryInputMustNotAlsoCarryJsonData() throws Exception {
        String header = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"UINT8\", "
                + "\"parameters\": {\"binary_data_size\": 784}, \"data\": [1, 2]}]}";
        assertThat(assertError(post("/v2/models/rows/infer", null, length(header), body(header, uint8(row(1)))).asText(),
                400)).contains("inputs[0].data");
    }

    @Test
    void malformedJsonHeaderIsReportedLikeAnyV2Body() throws Exception {
        String header = "{\"inputs\": [";
        assertThat(assertError(post("/v2/models/rows/infer", null, length(header), body(header, uint8(row(1)))).asText(),
                400)).contains("malformed JSON");
    }

    // ---- metadata and configuration ---------------------------------------------------------------------

    @Test
    void serverMetadataAdvertisesTheExtensions() {
        JsonNode metadata = new HttpTestClient(port).get("/v2").json();
        assertThat(metadata.get("extensions").valueStream().map(JsonNode::asString).toList())
                .contains("binary_tensor_data", "model_configuration");
    }

    @Test
    void modelConfigurationInTritonsShape() {
        HttpTestClient http = new HttpTestClient(port);
        HttpTestClient.Response response = http.get("/v2/models/rows/config");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode config = response.json();
        assertThat(config.get("name").asString()).isEqualTo("rows");
        assertThat(config.get("platform").asString()).isEqualTo("digitserve_linear");
        assertThat(config.get("max_batch_size").asInt()).isEqualTo(8);
        JsonNode input = config.get("input").get(0);
        assertThat(input.get("name").asString()).isEqualTo("input");
        assertThat(input.get("data_type").asString()).isEqualTo("TYPE_FP32");
        assertThat(input.get("dims").get(0).asLong()).isEqualTo(784);
        assertThat(input.get("dims").size()).isEqualTo(1);
        JsonNode scores = config.get("output").get(0);
        assertThat(scores.get("name").asString()).isEqualTo("scores");
        assertThat(scores.get("dims").get(0).asLong()).isEqualTo(10);
        JsonNode digit = config.get("output").get(1);
        assertThat(digit.get("data_type").asString()).isEqualTo("TYPE_INT64");
        assertThat(digit.get("dims").get(0).asLong()).isEqualTo(1);
        assertThat(digit.get("reshape").get("shape").size()).isZero();
        JsonNode batching = config.get("dynamic_batching");
        assertThat(batching.get("preferred_batch_size").get(0).asInt()).isEqualTo(16);
        assertThat(batching.get("max_queue_delay_microseconds").asLong()).isEqualTo(3000);
        assertThat(config.get("instance_group").get(0).get("kind").asString()).isEqualTo("KIND_CPU");

        assertThat(http.get("/v2/models/rows/versions/1/config").json().get("name").asString()).isEqualTo("rows");
        assertError(http.get("/v2/models/nope/config"), 404);
        assertError(http.get("/v2/models/rows/versions/9/config"), 404);
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
