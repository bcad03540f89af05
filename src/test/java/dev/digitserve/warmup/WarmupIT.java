package dev.digitserve.warmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;

/**
 * The warm-up runs every round over real HTTP through all three request paths, every request answers 200, and
 * then readiness is UP and {@code /actuator/info} reports it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.warmup.enabled=true", "digitserve.warmup.rounds=3", "digitserve.warmup.max-time=60s",
        "digitserve.warmup.batch-sizes=1,8", "digitserve.warmup.concurrency=4",
        "digitserve.warmup.until-jit-quiet=false"})
class WarmupIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-warmup",
            root -> TestModels.writeRowLasso(root, "rows", 1));

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    @Test
    void everyRoundGoesThroughTheWholeRequestPathBeforeReadinessIsUp() {
        HttpTestClient http = new HttpTestClient(port);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> http.get("/actuator/health/readiness").status() == 200);

        JsonNode warmup = http.get("/actuator/info").json().get("warmup");
        assertThat(warmup.get("state").asString()).isEqualTo("DONE");
        assertThat(warmup.get("rounds").asInt()).isEqualTo(3);
        // per round and model: v1 JSON and V2 at 2 batch sizes, 4 concurrent one-digit requests, one PNG body,
        // one multipart upload
        assertThat(warmup.get("requests").asInt()).isEqualTo(3 * (2 * 2 + 4 + 2));
        assertThat(warmup.get("failures").asInt()).as("every path answered 200").isZero();
        assertThat(warmup.get("maxTimeMs").asLong()).isEqualTo(60_000);

        // the warm-up's images reached the engine: per round 1 + 8 through v1 JSON and V2 each, 4 concurrent,
        // 1 PNG, 8 uploaded
        String metrics = http.get("/actuator/prometheus").body();
        java.util.regex.Matcher images = java.util.regex.Pattern.compile(
                "(?m)^digitserve_inference_images_total\\{model=\"rows\",version=\"1\"\\} ([0-9.]+)$").matcher(metrics);
        assertThat(images.find()).isTrue();
        assertThat(Double.parseDouble(images.group(1))).isGreaterThanOrEqualTo(3 * (2 * (1 + 8) + 4 + 1 + 8));
    }
}
