package dev.digitserve.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.TestModels;
import dev.digitserve.support.V2;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Deleting versions and the retention policy over real HTTP: an old version is deleted while a newer one serves
 * under load, the served and the pinned version are refused with 409, the last version takes its model along,
 * retention keeps the newest versions after a publish, and a removal interrupted between its rename and its
 * delete (the state a killed process leaves) is cleaned at start without ever being loaded.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.security.allow-anonymous-writes=true",
        "digitserve.models.retention.keep-last=2",
        "digitserve.models.poll-interval=1h"})
class ModelCleanupIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-cleanup-test", root -> {
        TestModels.writeRowLasso(root, "rows", 1);
        TestModels.writeRowLasso(root, "rows", 2);
        TestModels.writeRowLasso(root, "pinned", 1);
        TestModels.writeRowLasso(root, "pinned", 2);
        TestModels.writeCorruptCnn(root, "broken", 1);
        TestModels.writeRowLasso(root, "solo", 1);
        TestModels.writeRowLasso(root, "kept", 1);
        TestModels.writeRowLasso(root, "kept", 2);
        // what a process killed between the rename and the delete of a removal leaves behind
        Path leftover = TestModels.writeRowLasso(root, "rows", 9);
        Files.move(leftover, root.resolve("rows").resolve(".removing-9-12345"));
    });

    @LocalServerPort
    int port;

    @Autowired
    ModelRegistry registry;

    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
        registry.add("digitserve.models.overrides.pinned.version", () -> "1");
    }

    private HttpTestClient http() {
        return new HttpTestClient(port);
    }

    private HttpTestClient.Response delete(String path) {
        return http().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).DELETE());
    }

    private double removals(String reason) {
        var counter = meters.find(ModelRegistry.REMOVALS).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void anInterruptedRemovalIsCleanedAtStartAndNeverLoaded() {
        assertThat(MODELS.resolve("rows").resolve(".removing-9-12345")).doesNotExist();
        assertThat(http().get("/api/v1/models/rows").body()).doesNotContain("\"version\":9");
    }

    @Test
    void anOldVersionIsDeletedWhileTheNewOneServesUnderLoad() throws Exception {
        String body = "{\"instances\": [" + V2.flat(TestModels.rowImage(4)) + "]}";
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<int[]>> results = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            results.add(clients.submit(() -> {
                int ok = 0;
                int failed = 0;
                HttpTestClient client = http();
                while (running.get() || ok < 20) {
                    HttpTestClient.Response response = client.postJson("/api/v1/models/rows/predict", body);
                    if (response.status() == 200 && response.json().get("version").asInt() == 2) {
                        ok++;
                    } else {
                        failed++;
                    }
                }
                return new int[] {ok, failed};
            }));
        }
        double before = removals("deleted");
        HttpTestClient.Response deleted = delete("/api/v1/models/rows/versions/1");
        running.set(false);
        int failures = 0;
        for (Future<int[]> result : results) {
            failures += result.get()[1];
        }
        clients.shutdown();

        assertThat(deleted.status()).isEqualTo(204);
        assertThat(failures).as("requests that failed while a version was deleted").isZero();
        assertThat(MODELS.resolve("rows").resolve("1")).doesNotExist();
        assertThat(http().get("/api/v1/models/rows").json().get("versions")).hasSize(1);
        assertThat(http().get("/v2/models/rows/versions/1").status()).isEqualTo(404);
        assertThat(http().get("/api/v1/models/rows/versions/1/predict").status()).isIn(404, 405);
        assertThat(removals("deleted")).isEqualTo(before + 1);
        assertThat(delete("/api/v1/models/rows/versions/1").status()).as("deleted twice").isEqualTo(404);
    }

    @Test
    void theServedAndThePinnedVersionAreRefused() {
        HttpTestClient.Response served = delete("/api/v1/models/solo/versions/1");
        assertThat(served.status()).isEqualTo(409);
        assertThat(served.json().get("type").asString()).isEqualTo("urn:digitserve:problem:conflict");
        assertThat(served.json().get("detail").asString()).contains("served version");

        HttpTestClient.Response pinned = delete("/api/v1/models/pinned/versions/1");
        assertThat(pinned.status()).isEqualTo(409);
        assertThat(pinned.json().get("detail").asString()).contains("pinned");
        assertThat(MODELS.resolve("pinned").resolve("1")).isDirectory();
        assertThat(MODELS.resolve("solo").resolve("1")).isDirectory();
    }

    @Test
    void deletingTheLastVersionRemovesTheModel() {
        assertThat(delete("/api/v1/models/broken/versions/1").status()).isEqualTo(204);
        assertThat(MODELS.resolve("broken")).doesNotExist();
        assertThat(http().get("/api/v1/models/broken").status()).isEqualTo(404);
        assertThat(http().get("/v2/models/broken/ready").status()).isEqualTo(404);
    }

    @Test
    void retentionKeepsTheNewestVersionsAfterAPublish() throws Exception {
        double before = removals("retention");
        TestModels.writeRowLasso(MODELS, "kept", 3);
        registry.scan();

        assertThat(MODELS.resolve("kept").resolve("1")).doesNotExist();
        assertThat(MODELS.resolve("kept").resolve("2")).isDirectory();
        assertThat(MODELS.resolve("kept").resolve("3")).isDirectory();
        assertThat(http().get("/api/v1/models/kept").json().get("servedVersion").asInt()).isEqualTo(3);
        assertThat(removals("retention")).isEqualTo(before + 1);
    }

    @Test
    void aVersionRemovedByHandIsForgottenAtTheNextScan() throws Exception {
        TestModels.writeRowLasso(MODELS, "byhand", 1);
        TestModels.writeRowLasso(MODELS, "byhand", 2);
        registry.scan();
        TestModels.copyDirectory(MODELS.resolve("byhand").resolve("1"), MODELS.resolve("spare"));
        Files.walk(MODELS.resolve("byhand").resolve("1")).sorted(java.util.Comparator.reverseOrder())
                .forEach(p -> p.toFile().delete());
        registry.scan();
        assertThat(http().get("/api/v1/models/byhand").json().get("versions")).hasSize(1);
        assertThat(http().get("/v2/models/byhand/versions/1/ready").status()).isEqualTo(404);
    }
}
