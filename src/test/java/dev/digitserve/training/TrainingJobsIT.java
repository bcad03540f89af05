package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestData;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;

/**
 * Training jobs over real HTTP on a temporary copy of the shipped models: small real CNN and Lasso
 * runs that get published and served, cancellation, the queue limit, API keys, and a hot swap under
 * continuous load.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.security.api-keys=test-key-1,test-key-2",
        "digitserve.training.max-queued-jobs=1",
        "digitserve.models.poll-interval=500ms"})
@ExtendWith(OutputCaptureExtension.class)
class TrainingJobsIT {
    private static final String KEY = "test-key-2";
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-training",
            root -> TestModels.copyShipped(root, "cnn/1", "lasso/1"));

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
        registry.add("digitserve.training.data-dir", () -> TestData.mnistDir().toString());
    }

    private HttpTestClient.Response send(String method, String path, String key, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .header("Content-Type", "application/json");
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return new HttpTestClient(port).send(request);
    }

    private JsonNode awaitFinished(String id, Duration atMost) {
        JsonNode[] job = new JsonNode[1];
        await().atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> {
            job[0] = new HttpTestClient(port).get("/api/v1/training-jobs/" + id).json();
            return !List.of("QUEUED", "RUNNING").contains(job[0].get("state").asString());
        });
        return job[0];
    }

    private int versionOnDisk(String model) throws IOException {
        try (var dirs = Files.list(MODELS.resolve(model))) {
            return dirs.map(d -> d.getFileName().toString()).filter(n -> n.matches("\\d+"))
                    .mapToInt(Integer::parseInt).max().orElse(0);
        }
    }

    @Test
    void aSmallCnnJobIsTrainedPublishedAndServed() throws IOException {
        HttpTestClient.Response started = send("POST", "/api/v1/training-jobs", KEY,
                "{\"model\": \"cnn\", \"epochs\": 1, \"trainingSamples\": 3000, \"batchSize\": 32}");

        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String id = started.json().get("id").asString();
        assertThat(started.raw().headers().firstValue("Location")).hasValue("/api/v1/training-jobs/" + id);
        assertThat(started.json().get("parameters").get("rho").asDouble()).as("defaults filled in").isEqualTo(0.95);

        JsonNode job = awaitFinished(id, Duration.ofMinutes(4));

        assertThat(job.get("state").asString()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.get("progress").get("samplesSeen").asLong()).isEqualTo(3000);
        assertThat(job.get("progress").get("iteration").asLong()).isEqualTo(94);
        assertThat(job.get("metrics").get("accuracy").asDouble()).isGreaterThan(0.8);
        int version = job.get("version").asInt();
        assertThat(MODELS.resolve("cnn/" + version + "/model.json")).exists();
        assertThat(MODELS.resolve("cnn/" + version + "/model.zip")).exists();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                new HttpTestClient(port).get("/api/v1/models/cnn").json().get("servedVersion").asInt() == version);
        JsonNode answer = new HttpTestClient(port).postJson("/api/v1/models/cnn/predict",
                HttpTestClient.instancesJson(TestData.testSet(), 0, 4)).json();
        assertThat(answer.get("version").asInt()).isEqualTo(version);
    }

    @Test
    void aCnnJobTrainsOnArtificialDataAndItsCardSaysHow() throws IOException {
        HttpTestClient.Response started = send("POST", "/api/v1/training-jobs", KEY, """
                {"model": "cnn", "epochs": 1, "trainingSamples": 256, "batchSize": 64,
                 "augment": {"rotationDegrees": 10, "shiftPixels": 2, "scaleMax": 1.1, "elasticAlpha": 8,
                             "elasticSigma": 3}}""");

        assertThat(started.status()).as(started.body()).isEqualTo(202);
        JsonNode asked = started.json().get("parameters").get("augment");
        assertThat(asked.get("scaleMin").asDouble()).as("an omitted option is off").isEqualTo(1.0);
        assertThat(asked.get("rotationDegrees").asDouble()).isEqualTo(10.0);
        JsonNode job = awaitFinished(started.json().get("id").asString(), Duration.ofMinutes(3));
        assertThat(job.get("state").asString()).as(job.toString()).isEqualTo("SUCCEEDED");

        JsonNode card = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(Files.readString(MODELS.resolve("cnn/" + job.get("version").asInt() + "/model.json")));
        JsonNode augmentation = card.get("training").get("parameters").get("augmentation");
        assertThat(augmentation).as(card.toString()).isNotNull();
        assertThat(augmentation.get("rotationDegrees").asDouble()).isEqualTo(10.0);
        assertThat(augmentation.get("shiftPixels").asDouble()).isEqualTo(2.0);
        assertThat(augmentation.get("scaleMin").asDouble()).isEqualTo(1.0);
        assertThat(augmentation.get("scaleMax").asDouble()).isEqualTo(1.1);
        assertThat(augmentation.get("elasticAlpha").asDouble()).isEqualTo(8.0);
        assertThat(augmentation.get("elasticSigma").asDouble()).isEqualTo(3.0);
    }

    @Test
    void augmentationOptionsOutOfRangeAre400sNamingTheField() {
        HttpTestClient.Response response = send("POST", "/api/v1/training-jobs", KEY, """
                {"model": "cnn", "augment": {"rotationDegrees": 90, "shiftPixels": -1, "scaleMin": 0.2,
                 "scaleMax": 3, "elasticAlpha": 5}}""");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body()).contains("augment.rotationDegrees", "augment.shiftPixels", "augment.scaleMin",
                "augment.scaleMax", "augment.elasticSigma", "required when elasticAlpha > 0");
        assertThat(send("POST", "/api/v1/training-jobs", KEY, "{\"model\": \"cnn\", \"augment\": {\"shiftPixels\": \"far\"}}")
                .status()).isEqualTo(400);
    }

    @Test
    void aLassoJobRunsEndToEnd() {
        HttpTestClient.Response started = send("POST", "/api/v1/training-jobs", KEY,
                "{\"model\": \"lasso\", \"trainingSamples\": 5000, \"alpha\": 0.05}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);

        String id = started.json().get("id").asString();

        // the event stream follows the job to its end and then closes
        String events = new HttpTestClient(port).get("/api/v1/training-jobs/" + id + "/events").body();
        JsonNode job = awaitFinished(id, Duration.ofMinutes(2));

        assertThat(events).contains("event:job").contains("\"state\":\"SUCCEEDED\"");
        assertThat(job.get("state").asString()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.get("metrics").get("lrap").asDouble()).isBetween(0.3, 1.0);
        int version = job.get("version").asInt();
        JsonNode lasso = new HttpTestClient(port).get("/api/v1/models/lasso").json();
        assertThat(lasso.get("servedVersion").asInt()).isEqualTo(version);
        assertThat(lasso.get("versions").get(version - 1).get("card").get("training").get("parameters")
                .get("alpha").asDouble()).isEqualTo(0.05);
    }

    @Test
    void cancellingARunningJobLeavesNoVersionBehind() throws IOException {
        int before = versionOnDisk("cnn");
        String id = send("POST", "/api/v1/training-jobs", KEY,
                "{\"model\": \"cnn\", \"epochs\": 3, \"batchSize\": 32}").json().get("id").asString();
        await().atMost(Duration.ofMinutes(2)).until(() -> {
            JsonNode job = new HttpTestClient(port).get("/api/v1/training-jobs/" + id).json();
            return job.has("progress") && job.get("progress").get("iteration").asLong() > 0;
        });

        HttpTestClient.Response cancelled = send("DELETE", "/api/v1/training-jobs/" + id, KEY, null);

        assertThat(cancelled.status()).isEqualTo(202);
        JsonNode job = awaitFinished(id, Duration.ofSeconds(30));
        assertThat(job.get("state").asString()).isEqualTo("CANCELLED");
        assertThat(versionOnDisk("cnn")).isEqualTo(before);
        try (var entries = Files.list(MODELS.resolve("cnn"))) {
            assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".incoming"));
        }
        assertThat(send("DELETE", "/api/v1/training-jobs/" + id, KEY, null).status()).as("already cancelled").isEqualTo(202);
    }

    @Test
    void theQueueOfWaitingJobsIsBounded() {
        String running = send("POST", "/api/v1/training-jobs", KEY, "{\"model\": \"cnn\", \"epochs\": 5}")
                .json().get("id").asString();
        String queued = send("POST", "/api/v1/training-jobs", KEY, "{\"model\": \"lasso\"}").json().get("id").asString();

        HttpTestClient.Response refused = send("POST", "/api/v1/training-jobs", KEY, "{\"model\": \"lasso\"}");

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.raw().headers().firstValue("Retry-After")).isPresent();
        assertThat(send("DELETE", "/api/v1/training-jobs/" + queued, KEY, null).json().get("state").asString())
                .isEqualTo("CANCELLED");
        send("DELETE", "/api/v1/training-jobs/" + running, KEY, null);
        assertThat(awaitFinished(running, Duration.ofSeconds(60)).get("state").asString()).isEqualTo("CANCELLED");
        JsonNode list = new HttpTestClient(port).get("/api/v1/training-jobs?size=2").json();
        assertThat(list.get("jobs").size()).isEqualTo(2);
        assertThat(list.get("jobs").get(0).get("id").asString()).as("newest first").isEqualTo(queued);
    }

    @Test
    void parametersAreValidated() {
        HttpTestClient.Response response = send("POST", "/api/v1/training-jobs", KEY,
                "{\"model\": \"svm\", \"epochs\": 0, \"rho\": 1.5}");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body()).contains("\"model\"").contains("\"epochs\"").contains("\"rho\"");
        assertThat(send("POST", "/api/v1/training-jobs", KEY, "{\"model\": \"cnn\", \"epochs\": \"many\"}").status())
                .isEqualTo(400);
        assertThat(new HttpTestClient(port).get("/api/v1/training-jobs/no-such-job").status()).isEqualTo(404);
    }

    @Test
    void writeEndpointsNeedAnApiKeyThatIsNeverLogged(CapturedOutput output) {
        assertThat(send("POST", "/api/v1/training-jobs", null, "{\"model\": \"lasso\"}").status()).isEqualTo(401);
        HttpTestClient.Response wrong = send("POST", "/api/v1/training-jobs", "not-a-key", "{\"model\": \"lasso\"}");
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.contentType()).startsWith("application/problem+json");
        assertThat(send("PUT", "/api/v1/models/cnn/served-version", null, "{\"version\": 1}").status()).isEqualTo(401);
        assertThat(send("DELETE", "/api/v1/models/cnn/served-version", "nope", null).status()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/training-jobs", null, null).status()).as("reads are open").isEqualTo(200);
        assertThat(new HttpTestClient(port).postJson("/api/v1/models/cnn/predict",
                HttpTestClient.instancesJson(TestData.testSet(), 0, 1)).status()).as("prediction is open").isEqualTo(200);
        assertThat(send("DELETE", "/api/v1/models/cnn/served-version", "test-key-1", null).status()).isEqualTo(200);

        assertThat(output.getAll()).doesNotContain("test-key-1").doesNotContain("test-key-2").doesNotContain("not-a-key");
    }

    @Test
    void aNewVersionIsSwappedInUnderLoadWithoutFailingARequest() throws Exception {
        int current = new HttpTestClient(port).get("/api/v1/models/lasso").json().get("servedVersion").asInt();
        String image = HttpTestClient.instancesJson(TestData.testSet(), 0, 2);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        List<Integer> versionsSeenLast = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<Future<?>> loops = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            loops.add(clients.submit(() -> {
                HttpTestClient http = new HttpTestClient(port);
                int last = -1;
                while (running.get()) {
                    HttpTestClient.Response response = http.postJson("/api/v1/models/lasso/predict", image);
                    if (response.status() != 200) {
                        failures.incrementAndGet();
                    } else {
                        answered.incrementAndGet();
                        last = response.json().get("version").asInt();
                    }
                }
                synchronized (versionsSeenLast) {
                    versionsSeenLast.add(last);
                }
                return null;
            }));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() > 50);

        // An operator copies a new version in; the poller finds it, loads it and swaps it in.
        int next = versionOnDisk("lasso") + 1;
        Path incoming = MODELS.resolve("lasso/.copy-in-progress");
        TestModels.copyDirectory(MODELS.resolve("lasso/" + current), incoming);
        String card = Files.readString(incoming.resolve("model.json"))
                .replaceFirst("\"version\"\\s*:\\s*" + current, "\"version\":" + next);
        Files.writeString(incoming.resolve("model.json"), card);
        Files.move(incoming, MODELS.resolve("lasso/" + next), StandardCopyOption.ATOMIC_MOVE);

        await().atMost(Duration.ofSeconds(30)).until(() ->
                new HttpTestClient(port).get("/api/v1/models/lasso").json().get("servedVersion").asInt() == next);
        int afterSwap = answered.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() > afterSwap + 50);
        running.set(false);
        for (Future<?> loop : loops) {
            loop.get();
        }
        clients.shutdown();

        assertThat(failures.get()).isZero();
        assertThat(versionsSeenLast).containsOnly(next);
        JsonNode old = new HttpTestClient(port).get("/api/v1/models/lasso").json().get("versions").get(current - 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> new HttpTestClient(port).get("/api/v1/models/lasso").json()
                .get("versions").get(current - 1).get("state").asString().equals("UNLOADED"));
        assertThat(old.get("version").asInt()).isEqualTo(current);
    }
}
