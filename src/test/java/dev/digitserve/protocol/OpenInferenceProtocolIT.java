package dev.digitserve.protocol;

import static dev.digitserve.support.V2.assertError;
import static dev.digitserve.support.V2.flat;
import static dev.digitserve.support.V2.flatBytes;
import static dev.digitserve.support.V2.fp32;
import static dev.digitserve.support.V2.request;
import static dev.digitserve.support.V2.rows;
import static dev.digitserve.support.V2.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
 * The Open Inference Protocol endpoints over real HTTP, against a small real repository in which every
 * model is ready: {@code rows} (a linear model whose digit d wins when pixel row d is painted, versions 1
 * and 2) and {@code tiny} (a small untrained DL4J CNN). Requests are shaped like the specification's
 * examples; every response field and every validation rule is checked.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.prediction.max-instances=8",
        "digitserve.web.max-request-size=200KB"})
class OpenInferenceProtocolIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-v2-test", root -> {
        TestModels.writeRowLasso(root, "rows", 1);
        TestModels.writeRowLasso(root, "rows", 2);
        V2.writeTinyCnn(root, "tiny", 1);
    });
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    private HttpTestClient http() {
        return new HttpTestClient(port);
    }

    private static float[] row(int digit) {
        return TestModels.rowImage(digit);
    }

    private static float[] rowOf(int digit, float intensity) {
        float[] image = new float[784];
        for (int c = 0; c < 28; c++) {
            image[digit * 28 + c] = intensity;
        }
        return image;
    }

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    // ---- health and server metadata ----------------------------------------------------------------

    @Test
    void serverIsLiveAndReady() {
        HttpTestClient.Response live = http().get("/v2/health/live");
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.contentType()).startsWith("application/json");
        assertThat(live.json()).isEqualTo(json("{\"live\": true}"));

        HttpTestClient.Response ready = http().get("/v2/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json()).isEqualTo(json("{\"ready\": true}"));
    }

    @Test
    void serverMetadataNamesTheServerItsBuildVersionAndItsExtensions() {
        HttpTestClient.Response response = http().get("/v2");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("name", "version", "extensions");
        assertThat(body.get("name").asString()).isEqualTo("digitserve");
        assertThat(body.get("version").isString()).isTrue();
        assertThat(body.get("version").asString()).isNotBlank();
        assertThat(body.get("version").asString())
                .isEqualTo(http().get("/actuator/info").json().get("build").get("version").asString());
        assertThat(body.get("extensions").isArray()).isTrue();
        assertThat(body.get("extensions").valueStream().map(JsonNode::asString).toList())
                .containsExactly("binary_tensor_data", "model_configuration");
    }

    // ---- model metadata and readiness --------------------------------------------------------------

    @Test
    void lassoModelMetadataListsVersionsPlatformAndTensors() {
        JsonNode expected = json("""
                {"name": "rows", "versions": ["1", "2"], "platform": "digitserve_linear",
                 "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 784]}],
                 "outputs": [{"name": "scores", "datatype": "FP32", "shape": [-1, 10]},
                             {"name": "digit", "datatype": "INT64", "shape": [-1]},
                             {"name": "label", "datatype": "BYTES", "shape": [-1]}],
                 "labels": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]}""");

        HttpTestClient.Response served = http().get("/v2/models/rows");
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.contentType()).startsWith("application/json");
        assertThat(served.json()).isEqualTo(expected);

        HttpTestClient.Response version = http().get("/v2/models/rows/versions/1");
        assertThat(version.status()).isEqualTo(200);
        assertThat(version.json()).isEqualTo(expected);
    }

    @Test
    void cnnModelMetadataSaysDeeplearning4jAndProbabilities() {
        JsonNode expected = json("""
                {"name": "tiny", "versions": ["1"], "platform": "deeplearning4j_zip",
                 "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 784]}],
                 "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 10]},
                             {"name": "digit", "datatype": "INT64", "shape": [-1]},
                             {"name": "label", "datatype": "BYTES", "shape": [-1]}],
                 "labels": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]}""");

        assertThat(http().get("/v2/models/tiny").json()).isEqualTo(expected);
        assertThat(http().get("/v2/models/tiny/versions/1").json()).isEqualTo(expected);
    }

    @Test
    void modelAndVersionReadiness() {
        HttpTestClient.Response model = http().get("/v2/models/rows/ready");
        assertThat(model.status()).isEqualTo(200);
        assertThat(model.json()).isEqualTo(json("{\"name\": \"rows\", \"ready\": true}"));

        HttpTestClient.Response version = http().get("/v2/models/rows/versions/1/ready");
        assertThat(version.status()).isEqualTo(200);
        assertThat(version.json()).isEqualTo(json("{\"name\": \"rows\", \"ready\": true}"));

        assertThat(http().get("/v2/models/tiny/ready").status()).isEqualTo(200);
    }

    @Test
    void unknownModelsAndVersionsAre404AndBadNamesOrVersions400() {
        assertThat(assertError(http().get("/v2/models/nine"), 404)).contains("nine");
        assertThat(assertError(http().get("/v2/models/nine/ready"), 404)).contains("nine");
        assertThat(assertError(http().get("/v2/models/rows/versions/7"), 404)).contains("7");
        assertThat(assertError(http().get("/v2/models/rows/versions/7/ready"), 404)).contains("7");
        assertThat(assertError(http().postJson("/v2/models/nine/infer", fp32(row(1))), 404)).contains("nine");
        assertThat(assertError(http().postJson("/v2/models/rows/versions/7/infer", fp32(row(1))), 404)).contains("7");

        assertThat(assertError(http().get("/v2/models/Rows"), 400)).contains("model name");
        assertThat(assertError(http().postJson("/v2/models/Rows/infer", fp32(row(1))), 400)).contains("model name");
        assertThat(assertError(http().get("/v2/models/rows/versions/v1"), 400)).contains("version");
        assertThat(assertError(http().get("/v2/models/rows/versions/0/ready"), 400)).contains("version");
        assertThat(assertError(http().postJson("/v2/models/rows/versions/abc/infer", fp32(row(1))), 400))
                .contains("version");
        assertThat(assertError(http().postJson("/v2/models/rows/versions/0/infer", fp32(row(1))), 400))
                .contains("version");
    }

    @Test
    void pathsAndMethodsOutsideTheProtocolAnswerWithTheProtocolsErrorObject() {
        assertThat(assertError(http().get("/v2/models/rows/infer"), 405)).contains("GET");
        HttpTestClient.Response wrongMethod = http().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/v2/models/rows")).DELETE());
        assertThat(assertError(wrongMethod, 405)).contains("DELETE");
        assertThat(wrongMethod.raw().headers().firstValue("Allow")).isPresent();
        assertThat(assertError(http().get("/v2/nothing/here"), 404)).contains("/v2/nothing/here");
    }

    // ---- inference: the specification's request shapes ---------------------------------------------

    @Test
    void answersTheSpecificationsExampleShapeWithIdAndRequestedOutput() {
        // as in the spec: id, one input, one requested output
        String body = """
                {
                  "id" : "42",
                  "inputs" : [
                    {
                      "name" : "input",
                      "shape" : [ 2, 784 ],
                      "datatype" : "FP32",
                      "data" : %s
                    }
                  ],
                  "outputs" : [
                    {
                      "name" : "digit"
                    }
                  ]
                }""".formatted(flat(row(3), row(8)));

        HttpTestClient.Response response = http().postJson("/v2/models/rows/infer", body);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.json()).isEqualTo(json("""
                {"model_name": "rows", "model_version": "2", "id": "42",
                 "outputs": [{"name": "digit", "datatype": "INT64", "shape": [2], "data": [3, 8]}]}"""));
    }

    @Test
    void withoutOutputsEveryOutputIsReturnedAndWithoutIdNoIdIsInvented() {
        HttpTestClient.Response response = http().postJson("/v2/models/rows/infer", fp32(row(3), row(0)));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("model_name", "model_version", "outputs");
        assertThat(body.get("model_name").asString()).isEqualTo("rows");
        assertThat(body.get("model_version").isString()).isTrue();
        assertThat(body.get("model_version").asString()).isEqualTo("2");
        JsonNode outputs = body.get("outputs");
        assertThat(outputs.size()).isEqualTo(3);

        JsonNode scores = outputs.get(0);
        assertThat(scores.propertyNames()).containsExactlyInAnyOrder("name", "datatype", "shape", "data");
        assertThat(scores.get("name").asString()).isEqualTo("scores");
        assertThat(scores.get("datatype").asString()).isEqualTo("FP32");
        assertThat(scores.get("shape")).isEqualTo(json("[2, 10]"));
        assertThat(scores.get("data").size()).isEqualTo(20);
        for (int i = 0; i < 20; i++) {
            double expected = i == 3 || i == 10 ? 1.0 : 0.0; // image 0 paints row 3, image 1 row 0
            assertThat(scores.get("data").get(i).asDouble()).as("scores[%d]", i).isCloseTo(expected, within(1e-5));
        }

        JsonNode digit = outputs.get(1);
        assertThat(digit).isEqualTo(json("{\"name\": \"digit\", \"datatype\": \"INT64\", \"shape\": [2], \"data\": [3, 0]}"));
        assertThat(outputs.get(2)).isEqualTo(json("{\"name\": \"label\", \"datatype\": \"BYTES\", \"shape\": [2], \"data\": [\"3\", \"0\"]}"));
    }

    @Test
    void outputsAreReturnedInTheRequestedOrder() {
        JsonNode outputs = http().postJson("/v2/models/rows/infer",
                        request("order", tensor("FP32", new long[] {1, 784}, flat(row(5))), List.of("digit", "scores")))
                .json().get("outputs");

        assertThat(outputs.size()).isEqualTo(2);
        assertThat(outputs.get(0).get("name").asString()).isEqualTo("digit");
        assertThat(outputs.get(0).get("data")).isEqualTo(json("[5]"));
        assertThat(outputs.get(1).get("name").asString()).isEqualTo("scores");
        assertThat(outputs.get(1).get("shape")).isEqualTo(json("[1, 10]"));
    }

    @Test
    void anEmptyOutputsListMeansEveryOutput() {
        JsonNode outputs = http().postJson("/v2/models/rows/infer",
                        request(null, tensor("FP32", new long[] {1, 784}, flat(row(5))), List.of()))
                .json().get("outputs");

        assertThat(outputs.size()).isEqualTo(3);
    }

    static Stream<Arguments> everyAcceptedShapeFlatAndNested() {
        float[] a = row(4);
        float[] b = row(9);
        return Stream.of(
                Arguments.of("[N,784] flat", new long[] {2, 784}, flat(a, b)),
                Arguments.of("[N,784] nested", new long[] {2, 784}, "[[" + flat(a).substring(1, flat(a).length() - 1)
                        + "],[" + flat(b).substring(1, flat(b).length() - 1) + "]]"),
                Arguments.of("[N,28,28] flat", new long[] {2, 28, 28}, flat(a, b)),
                Arguments.of("[N,28,28] nested", new long[] {2, 28, 28}, "[" + rows(a) + "," + rows(b) + "]"),
                Arguments.of("[N,1,28,28] flat", new long[] {2, 1, 28, 28}, flat(a, b)),
                Arguments.of("[N,1,28,28] nested", new long[] {2, 1, 28, 28}, "[[" + rows(a) + "],[" + rows(b) + "]]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyAcceptedShapeFlatAndNested")
    void acceptsEveryShapeFlatAndNested(String label, long[] shape, String data) {
        HttpTestClient.Response response = http().postJson("/v2/models/rows/infer",
                request("shape-" + shape.length, tensor("FP32", shape, data), List.of("digit")));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json()).isEqualTo(json("""
                {"model_name": "rows", "model_version": "2", "id": "shape-%d",
                 "outputs": [{"name": "digit", "datatype": "INT64", "shape": [2], "data": [4, 9]}]}""".formatted(shape.length)));
    }

    @Test
    void fp64IsAcceptedAsIs() {
        float[] half = rowOf(6, 0.5f);
        JsonNode outputs = http().postJson("/v2/models/rows/infer",
                request(null, tensor("FP64", new long[] {1, 28, 28}, "[" + rows(half) + "]"), null)).json().get("outputs");

        assertThat(outputs.get(0).get("data").get(6).asDouble()).isCloseTo(0.5, within(1e-5));
        assertThat(outputs.get(1).get("data")).isEqualTo(json("[6]"));
    }

    @Test
    void uint8IsScaledBy1Over255() {
        float[] fifth = rowOf(2, 51 / 255f); // 51 / 255 = 0.2
        String data = flatBytes(fifth, row(7));
        assertThat(data).contains("51").contains("255").doesNotContain(".");

        HttpTestClient.Response response = http().postJson("/v2/models/rows/infer",
                request("bytes", tensor("UINT8", new long[] {2, 1, 28, 28}, data), null));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode outputs = response.json().get("outputs");
        assertThat(outputs.get(0).get("data").get(2).asDouble()).isCloseTo(0.2, within(1e-5));
        assertThat(outputs.get(0).get("data").get(17).asDouble()).isCloseTo(1.0, within(1e-5));
        assertThat(outputs.get(1).get("data")).isEqualTo(json("[2, 7]"));
    }

    @Test
    void aVersionCanBeNamed() {
        HttpTestClient.Response response = http().postJson("/v2/models/rows/versions/1/infer",
                request("v1", tensor("FP32", new long[] {1, 784}, flat(row(1))), List.of("digit")));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json()).isEqualTo(json("""
                {"model_name": "rows", "model_version": "1", "id": "v1",
                 "outputs": [{"name": "digit", "datatype": "INT64", "shape": [1], "data": [1]}]}"""));
    }

    @Test
    void parametersAndUnknownFieldsAreAcceptedAndIgnored() {
        String body = """
                {"id": "p", "parameters": {"priority": 1, "tag": "x", "flag": true},
                 "inputs": [{"name": "input", "shape": [1, 784], "datatype": "FP32",
                             "parameters": {"content_type": "x"}, "data": %s}],
                 "outputs": [{"name": "digit", "parameters": {"classification": 0}}],
                 "something_else": [1, 2]}""".formatted(flat(row(2)));

        HttpTestClient.Response response = http().postJson("/v2/models/rows/infer", body);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("outputs").get(0).get("data")).isEqualTo(json("[2]"));
        assertThat(response.json().get("id").asString()).isEqualTo("p");
    }

    @Test
    void theCnnAnswersProbabilitiesThatSumToOneAndAgreeWithTheV1Api() {
        float[] image = rowOf(3, 0.8f);
        HttpTestClient.Response response = http().postJson("/v2/models/tiny/infer",
                request("cnn", tensor("FP32", new long[] {2, 1, 28, 28}, "[[" + rows(image) + "],[" + rows(row(0)) + "]]"), null));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.get("model_name").asString()).isEqualTo("tiny");
        assertThat(body.get("model_version").asString()).isEqualTo("1");
        JsonNode probabilities = body.get("outputs").get(0);
        assertThat(probabilities.get("name").asString()).isEqualTo("probabilities");
        assertThat(probabilities.get("datatype").asString()).isEqualTo("FP32");
        assertThat(probabilities.get("shape")).isEqualTo(json("[2, 10]"));
        JsonNode digit = body.get("outputs").get(1);
        assertThat(digit.get("name").asString()).isEqualTo("digit");
        assertThat(digit.get("shape")).isEqualTo(json("[2]"));
        for (int n = 0; n < 2; n++) {
            double sum = 0;
            int best = 0;
            for (int c = 0; c < 10; c++) {
                double p = probabilities.get("data").get(n * 10 + c).asDouble();
                sum += p;
                if (p > probabilities.get("data").get(n * 10 + best).asDouble()) {
                    best = c;
                }
            }
            assertThat(sum).isCloseTo(1.0, within(1e-4));
            assertThat(digit.get("data").get(n).asInt()).isEqualTo(best);
        }

        JsonNode v1 = http().postJson("/api/v1/models/tiny/predict",
                "{\"instances\": [" + flat(image) + "]}").json().get("predictions").get(0);
        for (int c = 0; c < 10; c++) {
            assertThat(probabilities.get("data").get(c).asDouble())
                    .isCloseTo(v1.get("probabilities").get(c).asDouble(), within(1e-6));
        }
    }

    @Test
    void v2RequestsGoThroughTheBatcherAndItsMetrics() {
        double before = V2.imagesCounted(http(), "rows", 2);

        assertThat(http().postJson("/v2/models/rows/infer", fp32(row(1), row(2), row(3))).status()).isEqualTo(200);

        assertThat(V2.imagesCounted(http(), "rows", 2)).isEqualTo(before + 3);
    }

    @Test
    void theRequestTimeoutHeaderIsHonouredAndChecked() {
        HttpTestClient.Response ok = http().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v2/models/rows/infer"))
                .header("Content-Type", "application/json").header("X-Request-Timeout-Ms", "5000")
                .POST(HttpRequest.BodyPublishers.ofString(fp32(row(1)))));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);

        HttpTestClient.Response bad = http().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v2/models/rows/infer"))
                .header("Content-Type", "application/json").header("X-Request-Timeout-Ms", "soon")
                .POST(HttpRequest.BodyPublishers.ofString(fp32(row(1)))));
        assertThat(assertError(bad, 400)).contains("X-Request-Timeout-Ms");
    }

    // ---- inference: every validation rule ----------------------------------------------------------

    private static final String ONE = flat(TestModels.rowImage(1));
    private static final String ZEROS_783 = "[" + String.join(",", Collections.nCopies(783, "0")) + "]";

    private static String input(String fields) {
        return "{\"inputs\": [{" + fields + "}]}";
    }

    private static String withValue(String datatype, long[] shape, int index, String value) {
        long total = 1;
        for (long d : shape) {
            total *= d;
        }
        String[] values = Collections.nCopies((int) total, "0").toArray(String[]::new);
        values[index] = value;
        return request(null, tensor(datatype, shape, "[" + String.join(",", values) + "]"), null);
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                // the body
                Arguments.of("malformed JSON", "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 784",
                        "malformed JSON"),
                Arguments.of("empty body", "", "request body is missing"),
                Arguments.of("JSON null", "null", "request body is missing"),
                Arguments.of("not an object", "[1, 2, 3]", "must be a JSON object"),
                Arguments.of("id is an object", "{\"id\": {\"a\": 1}, \"inputs\": []}", "id: must be a string"),
                Arguments.of("parameters is an array", "{\"parameters\": [1], \"inputs\": []}", "parameters: must be an object"),
                // inputs
                Arguments.of("no inputs", "{\"id\": \"1\"}", "inputs: required"),
                Arguments.of("empty inputs", "{\"inputs\": []}", "inputs: required"),
                Arguments.of("inputs is an object", "{\"inputs\": {\"name\": \"input\"}}", "inputs: must be an array"),
                Arguments.of("input is a number", "{\"inputs\": [7]}", "inputs[0]: must be a tensor object"),
                Arguments.of("input is null", "{\"inputs\": [null]}", "inputs[0]: must be a tensor object"),
                Arguments.of("two inputs", "{\"inputs\": [" + tensor("FP32", new long[] {1, 784}, ONE) + ", "
                        + tensor("FP32", new long[] {1, 784}, ONE) + "]}", "inputs: got 2 tensors"),
                Arguments.of("no name", input("\"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].name: required"),
                Arguments.of("wrong name", input("\"name\": \"input0\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].name: unknown input \"input0\""),
                Arguments.of("name is an array", input("\"name\": [\"input\"], \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].name: must be a string"),
                // datatype
                Arguments.of("no datatype", input("\"name\": \"input\", \"shape\": [1, 784], \"data\": " + ONE),
                        "inputs[0].datatype: required"),
                Arguments.of("INT32", input("\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"INT32\", \"data\": " + ONE),
                        "inputs[0].datatype: unsupported datatype \"INT32\""),
                Arguments.of("lower-case fp32", input("\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"fp32\", \"data\": " + ONE),
                        "inputs[0].datatype: unsupported datatype \"fp32\""),
                Arguments.of("BYTES", input("\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"BYTES\", \"data\": " + ONE),
                        "inputs[0].datatype: unsupported"),
                // shape
                Arguments.of("no shape", input("\"name\": \"input\", \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: required"),
                Arguments.of("shape is a string", input("\"name\": \"input\", \"shape\": \"1,784\", \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: must be an array of integers"),
                Arguments.of("shape [1, 785]", input("\"name\": \"input\", \"shape\": [1, 785], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: expected [N, 784], [N, 28, 28] or [N, 1, 28, 28]"),
                Arguments.of("shape [784]", input("\"name\": \"input\", \"shape\": [784], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: expected [N, 784]"),
                Arguments.of("shape [1, 2, 28, 28]", input("\"name\": \"input\", \"shape\": [1, 2, 28, 28], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: expected"),
                Arguments.of("shape [1, 28, 27]", input("\"name\": \"input\", \"shape\": [1, 28, 27], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: expected"),
                Arguments.of("N = 0", input("\"name\": \"input\", \"shape\": [0, 784], \"datatype\": \"FP32\", \"data\": []"),
                        "inputs[0].shape: the batch size N (dimension 0) must be at least 1"),
                Arguments.of("N over the limit", input("\"name\": \"input\", \"shape\": [9, 784], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: N = 9 images is more than the limit of 8"),
                Arguments.of("fractional dimension", input("\"name\": \"input\", \"shape\": [1.5, 784], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: dimension 0 is 1.5"),
                Arguments.of("negative dimension", input("\"name\": \"input\", \"shape\": [-1, 784], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: dimension 0 is -1"),
                Arguments.of("dimension as a string", input("\"name\": \"input\", \"shape\": [\"1\", 784], \"datatype\": \"FP32\", \"data\": " + ONE),
                        "inputs[0].shape: dimension 0 is \"1\""),
                // data: structure and length
                Arguments.of("no data", input("\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"FP32\""),
                        "inputs[0].data: required"),
                Arguments.of("data is a string", input("\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": \"AAAA\""),
                        "inputs[0].data: must be an array of numbers"),
                Arguments.of("data has a string", input("\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": [\"x\""
                        + ",0".repeat(783) + "]"), "inputs[0].data: element 0 is the string \"x\", not a number"),
                Arguments.of("data has a null", input("\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": [0,null"
                        + ",0".repeat(782) + "]"), "inputs[0].data: element 1 is null, not a number"),
                Arguments.of("data has a boolean", input("\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": [0,0,true"
                        + ",0".repeat(781) + "]"), "inputs[0].data: element 2 is true, not a number"),
                Arguments.of("783 values for [1, 784]", request(null, tensor("FP32", new long[] {1, 784}, ZEROS_783), null),
                        "inputs[0].data: has 783 elements, but the shape [1, 784] needs 784"),
                Arguments.of("784 values for [2, 784]", request(null, tensor("FP32", new long[] {2, 784}, ONE), null),
                        "inputs[0].data: has 784 elements, but the shape [2, 784] needs 1568"),
                Arguments.of("1568 values for [1, 28, 28]", request(null, tensor("FP32", new long[] {1, 28, 28}, flat(new float[784], new float[784])), null),
                        "inputs[0].data: has 1568 elements, but the shape [1, 28, 28] needs 784"),
                Arguments.of("rows for [N, 784]", request(null, tensor("FP32", new long[] {1, 784}, "[" + rows(new float[784]) + "]"), null),
                        "inputs[0].data: is nested as [1, 28, 28], which does not match the shape [1, 784]"),
                Arguments.of("rows without the channel for [N, 1, 28, 28]", request(null, tensor("FP32", new long[] {1, 1, 28, 28},
                        "[" + rows(new float[784]) + "]"), null), "does not match the shape [1, 1, 28, 28]"),
                Arguments.of("ragged rows", request(null, tensor("FP32", new long[] {1, 28, 28},
                        "[" + rows(new float[784]).replaceFirst("\\[0\\.0,", "[") + "]"), null),
                        "inputs[0].data: is not a regular nested array"),
                Arguments.of("numbers and arrays mixed", request(null, tensor("FP32", new long[] {1, 784}, "[0, [0]]"), null),
                        "inputs[0].data: is not a regular nested array"),
                Arguments.of("nested too deep", request(null, tensor("FP32", new long[] {1, 784}, "[[[[[[[[[[0]]]]]]]]]]"), null),
                        "inputs[0].data: is nested 9 levels deep"),
                // data: values
                Arguments.of("FP32 above 1", withValue("FP32", new long[] {1, 784}, 40, "1.5"),
                        "inputs[0].data: element [0, 40] is 1.5, outside [0, 1]"),
                Arguments.of("FP32 just above 1", withValue("FP32", new long[] {1, 784}, 0, "1.0000001"),
                        "is 1.0000001, outside [0, 1]"),
                Arguments.of("FP32 negative", withValue("FP32", new long[] {1, 28, 28}, 30, "-0.1"),
                        "inputs[0].data: element [0, 1, 2] is -0.1, outside [0, 1]"),
                Arguments.of("FP32 0..255 values", withValue("FP32", new long[] {1, 784}, 5, "255"),
                        "send 0..255 values as UINT8"),
                Arguments.of("FP32 overflowing to infinity", withValue("FP32", new long[] {1, 784}, 3, "1e400"),
                        "inputs[0].data: element [0, 3] is 1e400, outside [0, 1]"),
                Arguments.of("FP64 above 1", withValue("FP64", new long[] {2, 1, 28, 28}, 784 + 29, "2.0"),
                        "inputs[0].data: element [1, 0, 1, 1] is 2.0, outside [0, 1]"),
                Arguments.of("UINT8 256", withValue("UINT8", new long[] {1, 784}, 7, "256"),
                        "inputs[0].data: element [0, 7] is 256; UINT8 elements are integers in [0, 255]"),
                Arguments.of("UINT8 negative", withValue("UINT8", new long[] {1, 784}, 7, "-1"),
                        "inputs[0].data: element [0, 7] is -1; UINT8"),
                Arguments.of("UINT8 fraction", withValue("UINT8", new long[] {1, 784}, 8, "2.5"),
                        "inputs[0].data: element [0, 8] is 2.5; UINT8"),
                Arguments.of("NaN is not JSON", request(null, tensor("FP32", new long[] {1, 784}, "[NaN" + ",0".repeat(783) + "]"), null),
                        "malformed JSON"),
                // outputs
                Arguments.of("unknown output", request(null, tensor("FP32", new long[] {1, 784}, ONE), List.of("output0")),
                        "outputs[0].name: model 'rows' has no output \"output0\"; its outputs are scores, digit, label"),
                Arguments.of("the CNN's output from the linear model", request(null, tensor("FP32", new long[] {1, 784}, ONE),
                        List.of("digit", "probabilities")), "outputs[1].name: model 'rows' has no output \"probabilities\""),
                Arguments.of("output twice", request(null, tensor("FP32", new long[] {1, 784}, ONE), List.of("digit", "digit")),
                        "outputs[1].name: \"digit\" is requested more than once"),
                Arguments.of("output without a name", "{\"inputs\": [" + tensor("FP32", new long[] {1, 784}, ONE)
                        + "], \"outputs\": [{\"parameters\": {}}]}", "outputs[0].name: required"),
                Arguments.of("output is a string", "{\"inputs\": [" + tensor("FP32", new long[] {1, 784}, ONE)
                        + "], \"outputs\": [\"digit\"]}", "outputs[0]: must be an object with a \"name\""),
                Arguments.of("outputs is an object", "{\"inputs\": [" + tensor("FP32", new long[] {1, 784}, ONE)
                        + "], \"outputs\": {\"name\": \"digit\"}}", "outputs: must be an array"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void invalidRequestsAre400WithAMessageNamingTheField(String label, String body, String expected) {
        String message = assertError(http().postJson("/v2/models/rows/infer", body), 400);

        assertThat(message).contains(expected);
    }

    @Test
    void aBodyThatIsNotJsonIs415() {
        String message = assertError(http().post("/v2/models/rows/infer", "text/plain",
                fp32(row(1)).getBytes(StandardCharsets.UTF_8)), 415);
        assertThat(message).contains("application/json");

        // octet-stream is the binary tensor data extension, which needs the JSON header's length
        assertThat(assertError(http().post("/v2/models/rows/infer", "application/octet-stream", new byte[] {1, 2, 3}),
                400)).contains("Inference-Header-Content-Length");
    }

    @Test
    void aStreamedBodyOverTheSizeLimitIs413() {
        byte[] body = ("{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": [0"
                + ",0.0000".repeat(40_000) + "]}]}").getBytes(StandardCharsets.UTF_8);
        HttpTestClient.Response response = http().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v2/models/rows/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))); // chunked

        assertThat(assertError(response, 413)).contains("limit");
    }

    // ---- OpenAPI ------------------------------------------------------------------------------------

    @Test
    void theProtocolIsDocumentedInOpenApi() {
        JsonNode api = http().get("/v3/api-docs").json();
        JsonNode paths = api.get("paths");

        for (String path : List.of("/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/{name}",
                "/v2/models/{name}/versions/{version}", "/v2/models/{name}/ready",
                "/v2/models/{name}/versions/{version}/ready")) {
            assertThat(paths.has(path)).as(path).isTrue();
            assertThat(paths.get(path).get("get").get("summary").asString()).as(path).isNotBlank();
        }
        for (String path : List.of("/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer")) {
            JsonNode infer = paths.get(path).get("post");
            assertThat(infer.get("tags").get(0).asString()).isEqualTo("Open Inference Protocol (V2)");
            assertThat(infer.get("summary").asString()).isNotBlank();
            assertThat(infer.get("description").asString()).contains("UINT8", "[N, 1, 28, 28]");
            for (String status : List.of("200", "400", "404", "413", "415", "429", "500", "503")) {
                assertThat(infer.get("responses").has(status)).as(path + " " + status).isTrue();
            }
            assertThat(infer.get("requestBody").get("content").get("application/json").get("examples")
                    .has("mnist-seven")).isTrue();
        }
        JsonNode input = api.get("components").get("schemas").get("InferenceRequestInput").get("properties");
        assertThat(input.get("data").get("type").asString()).isEqualTo("array");
        assertThat(input.get("shape").get("type").asString()).isEqualTo("array");
        assertThat(input.get("shape").get("items").get("type").asString()).isEqualTo("integer");
        JsonNode output = api.get("components").get("schemas").get("InferenceResponseOutput").get("properties");
        assertThat(output.get("data").get("type").asString()).isEqualTo("array");
        assertThat(api.get("components").get("schemas").has("InferenceErrorResponse")).isTrue();
    }

    @Test
    void theDocumentedExampleIsAValidRequest() {
        JsonNode example = http().get("/v3/api-docs").json().get("paths").get("/v2/models/{name}/infer").get("post")
                .get("requestBody").get("content").get("application/json").get("examples").get("mnist-seven").get("value");

        HttpTestClient.Response response = http().postJson("/v2/models/tiny/infer", example.toString());

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("id").asString()).isEqualTo("seven");
        assertThat(response.json().get("outputs").get(1).get("shape")).isEqualTo(json("[1]"));
    }
}
