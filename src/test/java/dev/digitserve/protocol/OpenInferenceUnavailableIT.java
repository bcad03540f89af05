package dev.digitserve.protocol;

import static dev.digitserve.support.V2.assertError;
import static dev.digitserve.support.V2.fp32;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.json.JsonMapper;

/**
 * Readiness and overload over real HTTP: a repository where {@code broken} has no loadable version (so
 * the server is not ready), {@code rows} has a good version 1 and a corrupt version 2, {@code full} has a
 * queue of 2 images, and {@code slow} runs one image per engine call, so that a request of 1024 images spends
 * far longer than a millisecond in its queue (a lone request on an idle engine never waits for company).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.models.overrides.full.batching.queue-capacity=2",
        "digitserve.models.overrides.slow.batching.max-batch-size=1"})
class OpenInferenceUnavailableIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-v2-unavailable-test", root -> {
        TestModels.writeCorruptCnn(root, "broken", 1);
        TestModels.writeRowLasso(root, "rows", 1);
        TestModels.writeCorruptCnn(root, "rows", 2);
        TestModels.writeRowLasso(root, "full", 1);
        TestModels.writeRowLasso(root, "slow", 1);
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

    @Test
    void theServerIsLiveButNotReadyWhileAModelHasNoVersion() {
        HttpTestClient.Response live = http().get("/v2/health/live");
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.json()).isEqualTo(JSON.readTree("{\"live\": true}"));

        HttpTestClient.Response ready = http().get("/v2/health/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.contentType()).startsWith("application/json");
        assertThat(ready.json()).isEqualTo(JSON.readTree("{\"ready\": false}"));
    }

    @Test
    void aModelOrVersionThatDidNotLoadIsNotReady() {
        HttpTestClient.Response broken = http().get("/v2/models/broken/ready");
        assertThat(broken.status()).isEqualTo(503);
        assertThat(broken.json()).isEqualTo(JSON.readTree("{\"name\": \"broken\", \"ready\": false}"));
        assertThat(http().get("/v2/models/broken/versions/1/ready").status()).isEqualTo(503);

        HttpTestClient.Response corrupt = http().get("/v2/models/rows/versions/2/ready");
        assertThat(corrupt.status()).isEqualTo(503);
        assertThat(corrupt.json()).isEqualTo(JSON.readTree("{\"name\": \"rows\", \"ready\": false}"));
        assertThat(http().get("/v2/models/rows/versions/1/ready").status()).isEqualTo(200);
        assertThat(http().get("/v2/models/rows/ready").status()).isEqualTo(200);
    }

    @Test
    void metadataListsOnlyLoadedVersionsAndAModelWithoutOneCannotBeUsed() {
        assertThat(http().get("/v2/models/rows").json().get("versions")).isEqualTo(JSON.readTree("[\"1\"]"));
        assertThat(assertError(http().get("/v2/models/rows/versions/2"), 404)).contains("failed to load");

        assertThat(assertError(http().get("/v2/models/broken"), 404)).contains("no loaded version");
        assertThat(assertError(http().postJson("/v2/models/broken/infer", fp32(TestModels.rowImage(1))), 404))
                .contains("no loaded version");
        assertThat(assertError(http().postJson("/v2/models/rows/versions/2/infer", fp32(TestModels.rowImage(1))), 404))
                .contains("failed to load");
    }

    @Test
    void aFullQueueIs429WithRetryAfter() {
        HttpTestClient.Response response = http().postJson("/v2/models/full/infer",
                fp32(TestModels.rowImage(1), TestModels.rowImage(2), TestModels.rowImage(3)));

        assertThat(assertError(response, 429)).contains("queued");
        assertThat(response.raw().headers().firstValue("Retry-After")).hasValueSatisfying(
                value -> assertThat(Long.parseLong(value)).isPositive());
        // what fits is answered
        assertThat(http().postJson("/v2/models/full/infer", fp32(TestModels.rowImage(1))).status()).isEqualTo(200);
    }

    @Test
    void aRequestWhoseDeadlinePassesInTheQueueIs503WithRetryAfter() {
        HttpTestClient.Response response = http().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/v2/models/slow/infer"))
                .header("Content-Type", "application/json")
                .header("X-Request-Timeout-Ms", "1")
                .POST(HttpRequest.BodyPublishers.ofString(fp32(java.util.Collections.nCopies(1024,
                        TestModels.rowImage(4)).toArray(float[][]::new)))));

        assertError(response, 503);
        assertThat(response.raw().headers().firstValue("Retry-After")).hasValue("1");
    }
}
