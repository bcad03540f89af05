package dev.digitserve.web;

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

/**
 * {@code /actuator/health} tells anonymous callers only UP or DOWN: no components, no disk path. A caller
 * with a valid API key sees the details; the probe groups never show any.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "digitserve.security.api-keys=operator-key")
class HealthDetailsIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-health-test",
            root -> TestModels.writeRowLasso(root, "rows", 1));

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    private HttpTestClient.Response get(String path, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return new HttpTestClient(port).send(request);
    }

    @Test
    void anonymousCallersSeeOnlyTheStatus() {
        for (String key : new String[] {null, "wrong-key"}) {
            HttpTestClient.Response health = get("/actuator/health", key);
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().get("status").asString()).isEqualTo("UP");
            assertThat(health.json().has("components")).isFalse();
            assertThat(health.body()).doesNotContain("diskSpace").doesNotContain(MODELS.toString())
                    .doesNotContain("\"path\"");
        }
    }

    @Test
    void aValidKeyUnlocksTheDetails() {
        HttpTestClient.Response health = get("/actuator/health", "operator-key");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("components").get("models").get("details").get("rows").asString())
                .isEqualTo("serving version 1");
    }

    @Test
    void theProbeGroupsArePublicAndDetailFreeEvenWithAKey() {
        for (String group : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
            HttpTestClient.Response probe = get(group, "operator-key");
            assertThat(probe.status()).isEqualTo(200);
            assertThat(probe.json().get("status").asString()).isEqualTo("UP");
            assertThat(probe.json().has("components")).isFalse();
        }
    }
}
