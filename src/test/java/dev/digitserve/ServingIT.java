package dev.digitserve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestData;
import dev.digitserve.support.TestImages;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;

/**
 * The shipped models over real HTTP. The repository is a temporary copy of models/ plus a corrupt
 * cnn version 2, which must be reported while version 1 keeps serving.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ServingIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-fullstack", root -> {
        TestModels.copyShipped(root, "cnn/1", "lasso/1");
        TestModels.writeCorruptCnn(root, "cnn", 2);
    });

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    @Test
    void theCnnScoresAtLeast99PercentOnTheWholeTestSetPostedAsJson() {
        HttpTestClient http = new HttpTestClient(port);
        MnistDataset test = TestData.testSet();
        int correct = 0;
        int chunk = 500;
        for (int from = 0; from < test.count(); from += chunk) {
            int to = Math.min(test.count(), from + chunk);
            HttpTestClient.Response response = http.postJson("/api/v1/models/cnn/predict",
                    HttpTestClient.instancesJson(test, from, to));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            JsonNode body = response.json();
            assertThat(body.get("version").asInt()).isEqualTo(1);
            JsonNode predictions = body.get("predictions");
            assertThat(predictions.size()).isEqualTo(to - from);
            for (int i = from; i < to; i++) {
                JsonNode prediction = predictions.get(i - from);
                if (prediction.get("digit").asInt() == test.label(i)) {
                    correct++;
                }
            }
        }
        double accuracy = correct / (double) test.count();
        assertThat(accuracy).isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void testDigitsUploadedAsLargeInvertedPngsScoreAtLeast97Percent() {
        HttpTestClient http = new HttpTestClient(port);
        MnistDataset test = TestData.testSet();
        int uploads = 300;
        int correct = 0;
        for (int i = 0; i < uploads; i++) {
            byte[] png = dev.digitserve.support.TestImages.png(
                    dev.digitserve.support.TestImages.blackOnWhite(test.floats(i, i + 1), 280));
            HttpTestClient.Response response = http.post("/api/v1/models/cnn/predict", "image/png", png);
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            if (response.json().get("predictions").get(0).get("digit").asInt() == test.label(i)) {
                correct++;
            }
        }
        assertThat(correct / (double) uploads).isGreaterThanOrEqualTo(0.97);
    }

    @Test
    void probabilitiesSumToOneAndLassoAnswersWithScores() {
        HttpTestClient http = new HttpTestClient(port);
        String one = HttpTestClient.instancesJson(TestData.testSet(), 0, 1);

        JsonNode cnn = http.postJson("/api/v1/models/cnn/predict", one).json().get("predictions").get(0);
        double sum = 0;
        for (JsonNode p : cnn.get("probabilities")) {
            sum += p.asDouble();
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(cnn.get("digit").asInt()).isEqualTo(TestData.testSet().label(0));

        JsonNode lasso = http.postJson("/api/v1/models/lasso/predict", one).json();
        assertThat(lasso.get("model").asString()).isEqualTo("lasso");
        assertThat(lasso.get("predictions").get(0).get("scores").size()).isEqualTo(10);
        assertThat(lasso.get("predictions").get(0).has("probabilities")).isFalse();
    }

    @Test
    void theCorruptVersionIsReportedAndVersionOneServes() {
        JsonNode cnn = new HttpTestClient(port).get("/api/v1/models/cnn").json();

        assertThat(cnn.get("servedVersion").asInt()).isEqualTo(1);
        assertThat(cnn.get("ready").asBoolean()).isTrue();
        JsonNode corrupt = cnn.get("versions").get(1);
        assertThat(corrupt.get("version").asInt()).isEqualTo(2);
        assertThat(corrupt.get("state").asString()).isEqualTo("FAILED");
        assertThat(corrupt.get("reason").asString()).contains("model.zip");
        JsonNode card = cnn.get("versions").get(0).get("card");
        assertThat(card.get("metrics").get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.99);
        assertThat(card.get("training").get("epochs").asInt()).isEqualTo(12);
    }

    @Test
    void healthInfoAndMetricsAreExposedAndNothingElse() {
        HttpTestClient http = new HttpTestClient(port);

        assertThat(http.get("/actuator/health/readiness").json().get("status").asString()).isEqualTo("UP");
        assertThat(http.get("/actuator/health/liveness").json().get("status").asString()).isEqualTo("UP");
        JsonNode info = http.get("/actuator/info").json();
        assertThat(info.get("backend").get("name").asString()).isEqualToIgnoringCase("CPU");
        assertThat(info.get("backend").get("oneDnn").asBoolean()).isTrue();
        assertThat(info.get("backend").get("nativeLibrary").asString()).contains("nd4j");
        assertThat(info.get("build").get("version").asString()).isNotBlank();
        assertThat(info.get("models").get("cnn").get("servedVersion").asInt()).isEqualTo(1);
        assertThat(http.get("/actuator/prometheus").body()).contains("digitserve_model_load_failures_total");
        assertThat(http.get("/actuator/env").status()).isEqualTo(404);
        assertThat(http.get("/actuator/beans").status()).isEqualTo(404);
    }

    @Test
    void openApiDocumentsEveryEndpointWithExamplesAndSwaggerUiLoads() {
        HttpTestClient http = new HttpTestClient(port);
        JsonNode api = http.get("/v3/api-docs").json();

        JsonNode predict = api.get("paths").get("/api/v1/models/{name}/predict").get("post");
        assertThat(predict.get("summary").asString()).isNotBlank();
        assertThat(predict.get("description").asString()).contains("instances");
        assertThat(predict.get("requestBody").get("content").get("application/json").get("examples")
                .has("mnist-seven")).isTrue();
        assertThat(predict.get("description").asString()).contains("image/png").contains("image/webp");
        assertThat(predict.get("requestBody").get("content").get("image/png").get("schema").get("format").asString())
                .isEqualTo("binary");
        assertThat(predict.get("requestBody").get("content").get("multipart/form-data").get("schema")
                .get("properties").get("image").get("items").get("format").asString()).isEqualTo("binary");
        assertThat(predict.get("responses").has("400")).isTrue();
        assertThat(predict.get("responses").has("429")).isTrue();
        assertThat(api.get("paths").has("/api/v1/models/{name}/versions/{version}/predict")).isTrue();
        assertThat(api.get("paths").has("/api/v1/models")).isTrue();
        assertThat(http.get("/swagger-ui/index.html").status()).isEqualTo(200);
    }
}
