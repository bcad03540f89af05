package dev.digitserve.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestData;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;

/**
 * The shipped CNN (models/cnn/1, found through {@code digitserve.test.models-dir}) through the protocol:
 * real MNIST test digits sent the way a Triton or KServe client sends raw images, UINT8
 * {@code [N, 1, 28, 28]} nested.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenInferenceShippedCnnIT {
    private static final int IMAGES = 500;
    private static final int PER_REQUEST = 100;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", () -> TestModels.temporaryRepository("digitserve-v2-cnn",
                root -> TestModels.copyShipped(root, "cnn/1")).toString());
    }

    /** Images {@code from..to} as UINT8 [N, 1, 28, 28], nested like the shape. */
    private static String uint8Request(MnistDataset data, int from, int to) {
        String images = IntStream.range(from, to).mapToObj(i -> IntStream.range(0, 28)
                        .mapToObj(r -> IntStream.range(0, 28)
                                .mapToObj(c -> Integer.toString(Math.round(data.pixel(i, r * 28 + c) * 255)))
                                .collect(Collectors.joining(",", "[", "]")))
                        .collect(Collectors.joining(",", "[[", "]]")))
                .collect(Collectors.joining(",", "[", "]"));
        return "{\"id\": \"batch-" + from + "\", \"inputs\": [{\"name\": \"input\", \"shape\": [" + (to - from)
                + ", 1, 28, 28], \"datatype\": \"UINT8\", \"data\": " + images + "}]}";
    }

    @Test
    void recognisesRealTestDigitsSentAsUint8Images() {
        HttpTestClient http = new HttpTestClient(port);
        MnistDataset test = TestData.testSet();
        int correct = 0;
        for (int from = 0; from < IMAGES; from += PER_REQUEST) {
            int to = from + PER_REQUEST;
            HttpTestClient.Response response = http.postJson("/v2/models/cnn/infer", uint8Request(test, from, to));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            JsonNode body = response.json();
            assertThat(body.get("id").asString()).isEqualTo("batch-" + from);
            assertThat(body.get("model_name").asString()).isEqualTo("cnn");
            assertThat(body.get("model_version").asString()).isEqualTo("1");
            JsonNode probabilities = body.get("outputs").get(0);
            JsonNode digits = body.get("outputs").get(1);
            assertThat(probabilities.get("name").asString()).isEqualTo("probabilities");
            assertThat(digits.get("name").asString()).isEqualTo("digit");
            for (int i = from; i < to; i++) {
                double sum = 0;
                for (int c = 0; c < 10; c++) {
                    sum += probabilities.get("data").get((i - from) * 10 + c).asDouble();
                }
                assertThat(sum).isCloseTo(1.0, within(1e-4));
                if (digits.get("data").get(i - from).asInt() == test.label(i)) {
                    correct++;
                }
            }
        }
        assertThat(correct / (double) IMAGES).isGreaterThanOrEqualTo(0.98);
    }
}
