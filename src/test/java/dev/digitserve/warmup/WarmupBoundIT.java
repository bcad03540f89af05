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
 * Readiness is DOWN while the warm-up runs, and the warm-up is bounded: with far more rounds than fit in
 * max-time it stops at max-time and readiness turns UP anyway.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.warmup.enabled=true", "digitserve.warmup.rounds=1000000", "digitserve.warmup.max-time=3s"})
class WarmupBoundIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-warmup-bound",
            root -> TestModels.writeRowLasso(root, "rows", 1));

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void models(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    @Test
    void readinessIsDownWhileWarmingAndUpOnceMaxTimeHasPassed() {
        HttpTestClient http = new HttpTestClient(port);
        long start = System.nanoTime();
        assertThat(http.get("/actuator/health/readiness").status()).as("cold: not ready").isEqualTo(503);
        assertThat(http.get("/actuator/health/liveness").status()).as("but alive").isEqualTo(200);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> http.get("/actuator/health/readiness").status() == 200);

        JsonNode warmup = http.get("/actuator/info").json().get("warmup");
        assertThat(warmup.get("state").asString()).isEqualTo("TIMED_OUT");
        assertThat(warmup.get("durationMs").asLong()).isBetween(3_000L, 13_000L); // max-time plus one round at most
        assertThat(warmup.get("rounds").asInt()).isPositive().isLessThan(1_000_000);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }
}
