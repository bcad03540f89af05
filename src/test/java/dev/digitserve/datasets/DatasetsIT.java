package dev.digitserve.datasets;

import static dev.digitserve.datasets.DatasetUploads.entry;
import static dev.digitserve.datasets.DatasetUploads.multipart;
import static dev.digitserve.datasets.DatasetUploads.symbol;
import static dev.digitserve.datasets.DatasetUploads.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
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
 * Datasets and fine-tuning over real HTTP: uploads (zip of label folders, IDX pair), every kind of hostile archive
 * refused with nothing left on disk, a 1-epoch fine-tune of the shipped CNN that adds the classes "plus" and "x" to
 * the digits, predictions of the new version through v1 and V2, its card, and DELETE while a job uses the dataset.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "digitserve.security.api-keys=dataset-key",
        "digitserve.datasets.max-archive-size=1MB",
        "digitserve.datasets.max-uncompressed-size=4MB",
        "digitserve.datasets.max-entries=200",
        "digitserve.models.poll-interval=500ms"})
class DatasetsIT {
    private static final String KEY = "dataset-key";
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-datasets-models",
            root -> TestModels.copyShipped(root, "cnn/1"));
    private static final Path DATASETS = TestModels.temporaryRepository("digitserve-datasets", root -> { });

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
        registry.add("digitserve.datasets.dir", DATASETS::toString);
        registry.add("digitserve.training.data-dir", () -> TestData.mnistDir().toString());
    }

    private HttpTestClient.Response upload(byte[] body) {
        return new HttpTestClient(port).send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/datasets"))
                .header("Content-Type", "multipart/form-data; boundary=" + DatasetUploads.BOUNDARY)
                .header("X-API-Key", KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private HttpTestClient.Response send(String method, String path, String json) {
        return new HttpTestClient(port).send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .header("Content-Type", "application/json").header("X-API-Key", KEY));
    }

    private static List<String> onDisk() throws IOException {
        try (Stream<Path> files = Files.list(DATASETS)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A digit from the MNIST test set as a black-on-white PNG, the way a user would draw it. */
    private static byte[] digitPng(MnistDataset data, int index) {
        float[] pixels = new float[MnistDataset.PIXELS];
        for (int p = 0; p < pixels.length; p++) {
            pixels[p] = data.pixel(index, p);
        }
        return TestImages.png(TestImages.blackOnWhite(pixels, 56));
    }

    @Test
    void hostileUploadsAreRefusedAndLeaveNothingBehind() throws IOException {
        byte[] png = symbol(false, new Random(1));
        Random random = new Random(2);
        byte[] noise = new byte[1_100_000];
        random.nextBytes(noise);
        Map<String, byte[]> hostile = new LinkedHashMap<>();
        hostile.put("over max-archive-size", zip(z -> {
            z.setLevel(0);
            entry(z, "plus/noise.png", noise);
        }));
        hostile.put("one entry inflating 1000x (zip bomb)", zip(z -> entry(z, "plus/bomb.png", new byte[3_000_000])));
        hostile.put("entries inflating past max-uncompressed-size", zip(z -> {
            for (int i = 0; i < 6; i++) {
                entry(z, "plus/" + i + ".png", new byte[1_000_000]);
            }
        }));
        hostile.put("too many entries", zip(z -> {
            for (int i = 0; i < 201; i++) {
                entry(z, "plus/" + i + ".png", png);
            }
        }));
        hostile.put("../ in a name", zip(z -> entry(z, "../plus/evil.png", png)));
        hostile.put("nested .. in a name", zip(z -> entry(z, "plus/../../evil.png", png)));
        hostile.put("absolute path", zip(z -> entry(z, "/tmp/plus/evil.png", png)));
        hostile.put("symbolic link", symlinkZip(png));
        hostile.put("nested archive by name", zip(z -> entry(z, "plus/inner.zip", zip(inner -> entry(inner, "a/b.png", png)))));
        hostile.put("nested archive by content", zip(z -> entry(z, "plus/inner.png", zip(inner -> entry(inner, "a/b.png", png)))));
        hostile.put("not a zip", png);
        hostile.put("invalid label", zip(z -> entry(z, "pl us!/a.png", png)));
        hostile.put("no usable image", zip(z -> entry(z, "plus/readme.txt", "hello".getBytes(StandardCharsets.UTF_8))));

        for (Map.Entry<String, byte[]> upload : hostile.entrySet()) {
            HttpTestClient.Response response = upload(multipart("evil", "archive", upload.getValue()));
            assertThat(response.status()).as(upload.getKey() + ": " + response.body()).isBetween(400, 499);
            assertThat(response.contentType()).as(upload.getKey()).startsWith("application/problem+json");
            assertThat(onDisk()).as(upload.getKey() + " leaves nothing in the datasets directory").isEmpty();
        }
        assertThat(upload(multipart("evil", "archive", hostile.get("over max-archive-size"))).status()).isEqualTo(413);

        MnistDataset test = TestData.testSet();
        byte[] pixels = java.util.Arrays.copyOf(test.pixels(), 3 * MnistDataset.PIXELS);
        HttpTestClient.Response mismatched = upload(multipart("idx", "images", DatasetUploads.idxImages(3, 28, 28, pixels),
                "labels", DatasetUploads.idxLabels(new byte[] {7, 2})));
        assertThat(mismatched.status()).isEqualTo(400);
        assertThat(mismatched.body()).contains("must match");
        assertThat(upload(multipart("idx", "images", "not idx".getBytes(StandardCharsets.UTF_8),
                "labels", DatasetUploads.idxLabels(new byte[] {7}))).status()).isEqualTo(400);
        assertThat(onDisk()).isEmpty();
        assertThat(new HttpTestClient(port).get("/api/v1/datasets").json().get("datasets").size()).isZero();
    }

    private static byte[] symlinkZip(byte[] png) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            ZipArchiveEntry link = new ZipArchiveEntry("plus/link.png");
            link.setUnixMode(0120777);
            zip.putArchiveEntry(link);
            zip.write("/etc/passwd".getBytes(StandardCharsets.US_ASCII));
            zip.closeArchiveEntry();
            ZipArchiveEntry image = new ZipArchiveEntry("plus/a.png");
            zip.putArchiveEntry(image);
            zip.write(png);
            zip.closeArchiveEntry();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Test
    void anIdxPairIsStoredAsSent() {
        MnistDataset test = TestData.testSet();
        int n = 20;
        HttpTestClient.Response response = upload(multipart("mnist slice",
                "images", DatasetUploads.idxImages(n, 28, 28, java.util.Arrays.copyOf(test.pixels(), n * MnistDataset.PIXELS)),
                "labels", DatasetUploads.idxLabels(java.util.Arrays.copyOf(test.labels(), n))));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        JsonNode manifest = response.json();
        assertThat(manifest.get("source").asString()).isEqualTo("idx");
        assertThat(manifest.get("count").asInt()).isEqualTo(n);
        assertThat(manifest.get("labels").get(0).get("label").asString()).isEqualTo("0");
        String id = manifest.get("id").asString();
        assertThat(new HttpTestClient(port).get("/api/v1/datasets/" + id).json().get("name").asString()).isEqualTo("mnist slice");
        assertThat(unusedIds()).as("no model and no job refers to a fresh dataset").contains(id);
        assertThat(send("DELETE", "/api/v1/datasets/" + id, null).status()).isEqualTo(204);
        assertThat(new HttpTestClient(port).get("/api/v1/datasets/" + id).status()).isEqualTo(404);
    }

    @Test
    void aFineTunedModelLearnsNewSymbolsAndKeepsTheDigits() throws IOException {
        Random random = new Random(42);
        byte[] archive = zip(z -> {
            for (int i = 0; i < 30; i++) {
                entry(z, "symbols/plus/" + i + ".png", symbol(false, random));
                entry(z, "symbols/x/" + i + ".png", symbol(true, random));
            }
            entry(z, "symbols/plus/broken.png", new byte[] {1, 2, 3});
            entry(z, "symbols/.DS_Store", new byte[] {0});
            entry(z, "__MACOSX/symbols/plus/._0.png", new byte[] {0});
        });
        HttpTestClient.Response created = upload(multipart("plus and x", "archive", archive));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode manifest = created.json();
        String dataset = manifest.get("id").asString();
        assertThat(manifest.get("count").asInt()).isEqualTo(60);
        assertThat(manifest.get("labels").toString()).isEqualTo("[{\"label\":\"plus\",\"count\":30},{\"label\":\"x\",\"count\":30}]");
        assertThat(manifest.get("sha256").get("images.idx").asString()).hasSize(64);
        assertThat(manifest.get("skipped").toString()).contains("plus/broken.png").contains("undecodable")
                .contains(".DS_Store").contains("__MACOSX");
        assertThat(onDisk()).contains(dataset).allMatch(name -> !name.startsWith("."));

        HttpTestClient.Response started = send("POST", "/api/v1/training-jobs", "{\"model\": \"symbols\", \"dataset\": \""
                + dataset + "\", \"include\": \"mnist\", \"epochs\": 1, \"trainingSamples\": 3000, \"batchSize\": 64}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        JsonNode job = started.json();
        assertThat(job.get("parameters").get("base").toString()).isEqualTo("{\"model\":\"cnn\",\"version\":1}");
        assertThat(job.get("parameters").get("freeze").asString()).isEqualTo("features");

        HttpTestClient.Response inUse = send("DELETE", "/api/v1/datasets/" + dataset, null);
        assertThat(inUse.status()).as(inUse.body()).isEqualTo(409);
        assertThat(inUse.body()).contains(job.get("id").asString());

        JsonNode[] finished = new JsonNode[1];
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(300)).until(() -> {
            finished[0] = new HttpTestClient(port).get("/api/v1/training-jobs/" + job.get("id").asString()).json();
            return !List.of("QUEUED", "RUNNING").contains(finished[0].get("state").asString());
        });
        assertThat(finished[0].get("state").asString()).as(finished[0].toString()).isEqualTo("SUCCEEDED");
        await().atMost(Duration.ofSeconds(30)).until(() -> new HttpTestClient(port).get("/api/v1/models/symbols").status() == 200);

        JsonNode card = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(Files.readString(MODELS.resolve("symbols/1/model.json")));
        assertThat(card.get("labels").toString()).isEqualTo("[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"plus\",\"x\"]");
        assertThat(card.get("fineTuning").get("baseModel").asString()).isEqualTo("cnn");
        assertThat(card.get("fineTuning").get("baseVersion").asInt()).isEqualTo(1);
        assertThat(card.get("fineTuning").get("datasetId").asString()).isEqualTo(dataset);
        assertThat(card.get("fineTuning").get("datasetSha256").get("images.idx").asString())
                .isEqualTo(manifest.get("sha256").get("images.idx").asString());
        assertThat(card.get("evaluations").has("dataset-holdout")).isTrue();
        assertThat(card.get("evaluations").get("mnist-test").get("samples").asInt()).isEqualTo(10_000);
        // 27 training pictures of each symbol against ~300 of each digit: the epochs were class-balanced and augmented
        JsonNode recipe = card.get("fineTuning").get("recipe");
        assertThat(recipe.get("sampling").asString()).isEqualTo("class-balanced");
        assertThat(recipe.get("learningRate").asDouble()).isEqualTo(1e-3);
        assertThat(recipe.get("augmentation").get("rotationDegrees").asDouble()).isPositive();

        byte[] plus = symbol(false, new Random(7));
        HttpTestClient.Response symbolAnswer = new HttpTestClient(port).post("/api/v1/models/symbols/versions/1/predict",
                "image/png", plus);
        assertThat(symbolAnswer.status()).as(symbolAnswer.body()).isEqualTo(200);
        JsonNode prediction = symbolAnswer.json().get("predictions").get(0);
        assertThat(prediction.get("label").asString()).as(prediction.toString()).isEqualTo("plus");
        assertThat(prediction.get("index").asInt()).isEqualTo(10);
        assertThat(prediction.has("digit")).isFalse();
        assertThat(prediction.get("probabilities").size()).isEqualTo(12);

        // reading goes through the same labels: the symbol is named, not numbered
        HttpTestClient.Response read = new HttpTestClient(port).post(
                "/api/v1/models/symbols/versions/1/read?max-digits=1", "image/png", plus);
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.json().get("text").asString()).as(read.body()).isEqualTo("plus");
        assertThat(read.json().get("digits").get(0).get("label").asString()).isEqualTo("plus");

        MnistDataset test = TestData.testSet();
        JsonNode digit = new HttpTestClient(port).post("/api/v1/models/symbols/versions/1/predict", "image/png",
                digitPng(test, 0)).json().get("predictions").get(0);
        assertThat(digit.get("label").asString()).as(digit.toString()).isEqualTo(Integer.toString(test.label(0)));
        assertThat(digit.get("digit").asInt()).isEqualTo(test.label(0));

        JsonNode metadata = new HttpTestClient(port).get("/v2/models/symbols").json();
        assertThat(metadata.get("labels").size()).isEqualTo(12);
        assertThat(metadata.get("outputs").toString()).contains("\"index\"").contains("\"label\"").contains("BYTES");

        assertThat(unusedIds()).as("the published version's card refers to it").doesNotContain(dataset);
        assertThat(send("DELETE", "/api/v1/datasets/" + dataset, null).status()).as("no job uses it any more").isEqualTo(204);
        assertThat(onDisk()).doesNotContain(dataset);
    }

    /** The ids {@code GET /api/v1/datasets?unused=true} lists. */
    private java.util.List<String> unusedIds() {
        java.util.List<String> ids = new java.util.ArrayList<>();
        new HttpTestClient(port).get("/api/v1/datasets?unused=true").json().get("datasets")
                .forEach(manifest -> ids.add(manifest.get("id").asString()));
        return ids;
    }
}
