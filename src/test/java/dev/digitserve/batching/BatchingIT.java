package dev.digitserve.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestModels;

/**
 * Many concurrent clients over real HTTP: every answer is right, and the batcher really merged them
 * (the batch-size metric shows batches of more than one image).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"digitserve.batching.max-queue-delay=20ms", "digitserve.batching.max-batch-size=64"})
class BatchingIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-batching",
            root -> TestModels.writeRowLasso(root, "rows", 1));

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    @Test
    void concurrentClientsGetCorrectAnswersFromSharedBatches() throws Exception {
        HttpTestClient http = new HttpTestClient(port);
        int clients = 24;
        int requestsEach = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Integer>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Callable<Integer> work = () -> {
                int correct = 0;
                for (int r = 0; r < requestsEach; r++) {
                    int digit = (client + r) % 10;
                    String body = "{\"instances\": [" + IntStream.range(0, 784)
                            .mapToObj(i -> Float.toString(TestModels.rowImage(digit)[i]))
                            .collect(Collectors.joining(",", "[", "]")) + "]}";
                    HttpTestClient.Response response = http.postJson("/api/v1/models/rows/predict", body);
                    if (response.status() == 200
                            && response.json().get("predictions").get(0).get("digit").asInt() == digit) {
                        correct++;
                    }
                }
                return correct;
            };
            results.add(pool.submit(work));
        }
        int correct = 0;
        for (Future<Integer> result : results) {
            correct += result.get();
        }
        pool.shutdown();

        assertThat(correct).isEqualTo(clients * requestsEach);
        String metrics = http.get("/actuator/prometheus").body();
        double batches = value(metrics, "digitserve_batch_size_count\\{model=\"rows\",version=\"1\"\\}");
        double images = value(metrics, "digitserve_batch_size_sum\\{model=\"rows\",version=\"1\"\\}");
        double maxBatch = value(metrics, "digitserve_batch_size_max\\{model=\"rows\",version=\"1\"\\}");
        assertThat(images).isGreaterThanOrEqualTo(clients * requestsEach);
        assertThat(maxBatch).as("largest batch").isGreaterThan(1);
        assertThat(batches).as("engine calls").isLessThan(images);
        assertThat(value(metrics, "digitserve_inference_images_total\\{model=\"rows\",version=\"1\"\\}"))
                .isGreaterThanOrEqualTo(clients * requestsEach);
        assertThat(metrics).contains("digitserve_inference_requests_seconds_bucket")
                .contains("digitserve_batch_queue_wait_seconds_bucket")
                .contains("digitserve_batch_compute_seconds_bucket")
                .contains("digitserve_batch_queue_depth")
                .contains("http_server_requests_seconds");
    }

    private static double value(String metrics, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + " ([0-9.eE+-]+)$").matcher(metrics);
        assertThat(matcher.find()).as("metric %s in%n%s", name, metrics).isTrue();
        return Double.parseDouble(matcher.group(1));
    }
}
