package dev.digitserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestData;
import dev.digitserve.support.TestModels;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * Lazy loading within a memory budget over real HTTP, as one scenario in order: a temporary repository of small
 * Lasso-kind versions and copies of the shipped CNN, {@code cnn} always loaded, {@code pinned} pinned, and a budget
 * that holds the always-loaded CNN, one more CNN and three and a half Lasso versions (computed with the service's
 * own estimator). First requests load, concurrent first requests share one load, the least recently used idle
 * version is evicted (never the pinned or always-loaded one, and its meters leave the registry), a version that can
 * never fit is a 507 in both API shapes, the V2 repository extension and the v1 state endpoint load and unload with
 * an API key, and the listing pages.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.models.loading=lazy",
        "digitserve.models.always-loaded=cnn",
        "digitserve.models.overrides.pinned.version=1",
        // a batcher whose full batch would take 400 MB: its version can never fit the budget
        "digitserve.models.overrides.huge.batching.max-batch-size=65536",
        "digitserve.security.api-keys=lazy-test-key",
        "digitserve.models.poll-interval=1h",
        // the budget arithmetic below counts one serving copy per worker
        "digitserve.batching.workers=" + LazyLoadingIT.WORKERS})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LazyLoadingIT {
    static final int WORKERS = 2;
    private static final String KEY = "lazy-test-key";
    private static final List<String> LASSOS = List.of("tiny-a", "tiny-b", "tiny-c", "tiny-d", "pinned", "huge");

    private static final Path MODELS = TestModels.temporaryRepository("digitserve-lazy-test", root -> {
        for (String name : LASSOS) {
            TestModels.writeRowLasso(root, name, 1);
        }
        TestModels.copyShipped(root, "cnn/1");
        TestModels.copyDirectory(TestData.shippedModelsDir().resolve("cnn/1"), root.resolve("cnn-b/1"));
        rename(root.resolve("cnn-b/1"), "cnn-b");
    });

    private static final long LASSO_BYTES;
    private static final long CNN_BYTES;

    static {
        try {
            MemoryEstimator estimator = new MemoryEstimator();
            LASSO_BYTES = estimator.estimate(ModelKind.LASSO, MODELS.resolve("tiny-a/1/weights.json"), 10, 64, WORKERS);
            CNN_BYTES = estimator.estimate(ModelKind.CNN, MODELS.resolve("cnn/1/model.zip"), 10, 64, WORKERS);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A copied CNN's card must name its new model. */
    private static void rename(Path dir, String name) throws java.io.IOException {
        Path card = dir.resolve(ModelRepository.CARD_FILE);
        String json = java.nio.file.Files.readString(card);
        java.nio.file.Files.writeString(card, json.replaceFirst("\"name\"\\s*:\\s*\"cnn\"", "\"name\" : \"" + name + "\""));
    }

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
        registry.add("digitserve.models.memory-budget", () -> Long.toString(2 * CNN_BYTES + 3 * LASSO_BYTES + LASSO_BYTES / 2));
    }

    private static final ExecutorService CLIENTS = Executors.newFixedThreadPool(8);

    @AfterAll
    static void stopClients() {
        CLIENTS.shutdownNow();
    }

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    private HttpTestClient http() {
        return new HttpTestClient(port);
    }

    private HttpTestClient.Response predict(String model, Integer version) {
        String path = "/api/v1/models/" + model + (version == null ? "" : "/versions/" + version) + "/predict";
        String pixels = IntStream.range(0, 784).mapToObj(i -> TestModels.rowImage(3)[i] == 0 ? "0" : "1")
                .collect(Collectors.joining(","));
        return http().postJson(path, "{\"instances\":[[" + pixels + "]]}");
    }

    private String state(String model, int version) {
        JsonNode versions = http().get("/api/v1/models/" + model).json().get("versions");
        for (JsonNode v : versions) {
            if (v.get("version").asInt() == version) {
                return v.get("state").asString();
            }
        }
        throw new AssertionError(model + " has no version " + version);
    }

    private double counter(String name) {
        var counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    private HttpTestClient.Response send(String method, String path, String key, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return http().send(request);
    }

    @Test
    @Order(1)
    void readyWithOnlyTheAlwaysLoadedModelInMemory() {
        assertThat(http().get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(http().get("/v2/health/ready").status()).isEqualTo(200);
        assertThat(state("cnn", 1)).isEqualTo("LOADED");
        assertThat(state("tiny-a", 1)).isEqualTo("AVAILABLE");
        JsonNode version = http().get("/api/v1/models/tiny-a").json().get("versions").get(0);
        assertThat(version.get("estimatedBytes").asLong()).isEqualTo(LASSO_BYTES);
        assertThat(version.get("card").get("kind").asString()).isEqualTo("lasso");
    }

    @Test
    @Order(2)
    void firstRequestLoadsTheVersionAndAnswersFromIt() {
        HttpTestClient.Response answer = predict("tiny-a", null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().get("model").asString()).isEqualTo("tiny-a");
        assertThat(answer.json().get("version").asInt()).isEqualTo(1);
        assertThat(answer.json().get("predictions").get(0).get("label").asString()).isEqualTo("3");
        assertThat(state("tiny-a", 1)).isEqualTo("LOADED");
    }

    @Test
    @Order(3)
    void concurrentFirstRequestsShareOneLoad() throws Exception {
        double loadsBefore = counter(ModelRegistry.LOADS);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<HttpTestClient.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return predict("cnn-b", 1);
            }, CLIENTS));
        }
        go.countDown();
        for (CompletableFuture<HttpTestClient.Response> answer : answers) {
            HttpTestClient.Response response = answer.join();
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            assertThat(response.json().get("model").asString()).isEqualTo("cnn-b");
        }
        assertThat(counter(ModelRegistry.LOADS) - loadsBefore).isEqualTo(1);
        assertThat(state("cnn-b", 1)).isEqualTo("LOADED");
    }

    @Test
    @Order(4)
    void evictsTheLeastRecentlyUsedIdleVersionButNeverThePinnedOrAlwaysLoadedOne() {
        double evictionsBefore = counter(ModelRegistry.EVICTIONS);
        // in memory: cnn, tiny-a, cnn-b; these fill the budget up to 2 CNN + 3 Lasso
        assertThat(predict("pinned", null).status()).isEqualTo(200);
        assertThat(predict("tiny-b", null).status()).isEqualTo(200);
        assertThat(predict("tiny-a", null).status()).isEqualTo(200); // tiny-a is now more recent than cnn-b
        assertThat(counter(ModelRegistry.EVICTIONS)).isEqualTo(evictionsBefore);

        // one more Lasso does not fit: the least recently used idle version, cnn-b, makes room
        assertThat(predict("tiny-c", null).status()).isEqualTo(200);
        assertThat(state("cnn-b", 1)).isEqualTo("UNLOADED");
        assertThat(http().get("/api/v1/models/cnn-b").json().get("versions").get(0).get("reason").asString())
                .contains("evicted");
        assertThat(counter(ModelRegistry.EVICTIONS)).isEqualTo(evictionsBefore + 1);
        assertThat(meters.find("digitserve.inference.requests").tag("model", "cnn-b").timers()).isEmpty();

        // cnn-b again: the oldest idle Lasso (pinned is older, but pinned) goes, and the answer is cnn-b's
        HttpTestClient.Response again = predict("cnn-b", 1);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("model").asString()).isEqualTo("cnn-b");
        assertThat(state("tiny-b", 1)).isEqualTo("UNLOADED");
        assertThat(state("pinned", 1)).isEqualTo("LOADED");
        assertThat(state("cnn", 1)).isEqualTo("LOADED");
        assertThat(state("tiny-a", 1)).isEqualTo("LOADED");
        assertThat(counter(ModelRegistry.EVICTIONS)).isEqualTo(evictionsBefore + 2);
    }

    @Test
    @Order(5)
    void histogramBucketsOnlyForTheAlwaysLoadedModel() {
        String scrape = http().get("/actuator/prometheus").body();
        assertThat(scrape).contains("digitserve_model_evictions_total")
                .contains("digitserve_inference_requests_seconds_count{model=\"tiny-a\"");
        assertThat(buckets(scrape, "tiny-a")).isEqualTo(2); // the request timeout and +Inf
        assertThat(buckets(scrape, "cnn")).isGreaterThan(20);
    }

    private static long buckets(String scrape, String model) {
        return scrape.lines().filter(line -> line.startsWith("digitserve_inference_requests_seconds_bucket{model=\""
                + model + "\",outcome=\"success\"")).count();
    }

    @Test
    @Order(6)
    void aVersionThatCanNeverFitIsA507InBothApis() {
        HttpTestClient.Response v1 = predict("huge", null);
        assertThat(v1.status()).as(v1.body()).isEqualTo(507);
        assertThat(v1.contentType()).startsWith("application/problem+json");
        assertThat(v1.json().get("type").asString()).isEqualTo("urn:digitserve:problem:model-too-large");
        assertThat(v1.json().get("detail").asString()).contains("huge").contains("memory budget");

        HttpTestClient.Response v2 = http().postJson("/v2/models/huge/infer",
                "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,784],\"datatype\":\"FP32\",\"data\":["
                        + IntStream.range(0, 784).mapToObj(i -> "0").collect(Collectors.joining(",")) + "]}]}");
        assertThat(v2.status()).isEqualTo(507);
        assertThat(v2.json().get("error").asString()).contains("memory budget");
        assertThat(state("huge", 1)).isEqualTo("AVAILABLE");
        // the others are untouched
        assertThat(predict("tiny-a", null).status()).isEqualTo(200);
    }

    @Test
    @Order(7)
    void repositoryIndexLoadAndUnloadOnV2NeedAnApiKey() {
        assertThat(send("POST", "/v2/repository/index", null, null).status()).isEqualTo(401);
        assertThat(send("POST", "/v2/repository/models/tiny-d/load", "wrong", null).status()).isEqualTo(403);

        HttpTestClient.Response index = send("POST", "/v2/repository/index", KEY, null);
        assertThat(index.status()).as(index.body()).isEqualTo(200);
        assertThat(rows(index.json(), "tiny-a")).containsExactly("1 READY ");
        assertThat(rows(index.json(), "tiny-d")).containsExactly("1 UNAVAILABLE AVAILABLE: loads on its first request");

        assertThat(send("POST", "/v2/repository/models/tiny-d/load", KEY, null).status()).isEqualTo(200);
        assertThat(state("tiny-d", 1)).isEqualTo("LOADED");
        HttpTestClient.Response ready = send("POST", "/v2/repository/index", KEY, "{\"ready\":true}");
        assertThat(rows(ready.json(), "tiny-d")).containsExactly("1 READY ");
        assertThat(rows(ready.json(), "huge")).isEmpty();

        assertThat(send("POST", "/v2/repository/models/tiny-d/unload", KEY, null).status()).isEqualTo(200);
        assertThat(state("tiny-d", 1)).isEqualTo("UNLOADED");
        HttpTestClient.Response always = send("POST", "/v2/repository/models/cnn/unload", KEY, null);
        assertThat(always.status()).isEqualTo(409);
        assertThat(always.json().get("error").asString()).contains("always loaded");
        HttpTestClient.Response missing = send("POST", "/v2/repository/models/nope/load", KEY, null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().has("error")).isTrue();
        // unloaded lazily means "loads again on the next request"
        assertThat(predict("tiny-d", null).status()).isEqualTo(200);
    }

    private static List<String> rows(JsonNode index, String name) {
        List<String> rows = new ArrayList<>();
        for (JsonNode row : index) {
            if (row.get("name").asString().equals(name)) {
                rows.add(row.get("version").asString() + " " + row.get("state").asString() + " "
                        + row.get("reason").asString());
            }
        }
        return rows;
    }

    @Test
    @Order(8)
    void modelStateOnV1NeedsAnApiKey() {
        String unload = "{\"state\":\"UNLOADED\"}";
        assertThat(send("PUT", "/api/v1/models/tiny-a/state", null, unload).status()).isEqualTo(401);

        HttpTestClient.Response unloaded = send("PUT", "/api/v1/models/tiny-a/state", KEY, unload);
        assertThat(unloaded.status()).as(unloaded.body()).isEqualTo(200);
        assertThat(unloaded.json().get("versions").get(0).get("state").asString()).isEqualTo("UNLOADED");

        HttpTestClient.Response loaded = send("PUT", "/api/v1/models/tiny-a/versions/1/state", KEY,
                "{\"state\":\"LOADED\"}");
        assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);
        assertThat(loaded.json().get("versions").get(0).get("state").asString()).isEqualTo("LOADED");

        HttpTestClient.Response bad = send("PUT", "/api/v1/models/tiny-a/state", KEY, "{\"state\":\"SLEEPING\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).startsWith("application/problem+json");
        HttpTestClient.Response tooLarge = send("PUT", "/api/v1/models/huge/state", KEY, "{\"state\":\"LOADED\"}");
        assertThat(tooLarge.status()).isEqualTo(507);
        assertThat(send("PUT", "/api/v1/models/tiny-a/versions/7/state", KEY, "{\"state\":\"LOADED\"}").status())
                .isEqualTo(404);
    }

    @Test
    @Order(9)
    void theListingPagesAndFiltersByPrefix() {
        JsonNode first = http().get("/api/v1/models?size=3").json();
        assertThat(first.get("total").asInt()).isEqualTo(8);
        assertThat(names(first)).containsExactly("cnn", "cnn-b", "huge");
        JsonNode third = http().get("/api/v1/models?size=3&page=2").json();
        assertThat(names(third)).containsExactly("tiny-c", "tiny-d");

        JsonNode tiny = http().get("/api/v1/models?name=tiny-").json();
        assertThat(tiny.get("total").asInt()).isEqualTo(4);
        assertThat(names(tiny)).containsExactly("tiny-a", "tiny-b", "tiny-c", "tiny-d");

        HttpTestClient.Response bad = http().get("/api/v1/models?size=0&page=-1");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("size").contains("page");
    }

    @Test
    @Order(10)
    void repositoryControlIsDocumentedInOpenApi() {
        JsonNode paths = http().get("/v3/api-docs").json().get("paths");
        for (String path : List.of("/v2/repository/index", "/v2/repository/models/{name}/load",
                "/v2/repository/models/{name}/unload")) {
            assertThat(paths.get(path).get("post").get("summary").asString()).as(path).isNotBlank();
        }
        assertThat(paths.get("/api/v1/models/{name}/state").get("put").get("responses").has("507")).isTrue();
        assertThat(paths.get("/api/v1/models/{name}/versions/{version}/state").has("put")).isTrue();
        assertThat(paths.get("/api/v1/models").get("get").get("parameters").toString())
                .contains("\"page\"", "\"size\"", "\"name\"");
    }

    private static List<String> names(JsonNode page) {
        List<String> names = new ArrayList<>();
        page.get("models").forEach(model -> names.add(model.get("name").asString()));
        return names;
    }
}
