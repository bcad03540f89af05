package dev.digitserve.prediction;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.digitserve.bench.PhotoBenchmark;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.support.ExifImages;
import dev.digitserve.support.HttpTestClient;
import dev.digitserve.support.PhotoLikeImages;
import dev.digitserve.support.TestData;
import dev.digitserve.support.TestImages;
import dev.digitserve.support.TestModels;
import tools.jackson.databind.JsonNode;

/**
 * Photo-like uploads over real HTTP against the shipped CNN: EXIF-tagged sideways phone JPEGs score as
 * well as upright ones, WebP works, and numbers of real MNIST test digits written in a row are read.
 * The single-digit figures here are a subset of bench/photos.sh; the numbers are its full set of 200.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PhotoUploadsIT {
    private static final Path MODELS = TestModels.temporaryRepository("digitserve-photos-it",
            root -> TestModels.copyShipped(root, "cnn/1"));

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("digitserve.models.dir", MODELS::toString);
    }

    private int predicted(HttpTestClient http, byte[] jpeg) {
        HttpTestClient.Response response = http.post("/api/v1/models/cnn/predict", "image/jpeg", jpeg);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("predictions").get(0).get("digit").asInt();
    }

    @Test
    void phoneLikeJpegsScoreAtLeast95PercentUprightAndSidewaysWithOrientation6() {
        HttpTestClient http = new HttpTestClient(port);
        MnistDataset test = TestData.testSet();
        Random random = new Random(7);
        int count = 100;
        int upright = 0;
        int sideways = 0;
        int untagged = 0;
        for (int n = 0; n < count; n++) {
            int index = random.nextInt(test.count());
            var photo = PhotoLikeImages.digit(test, index, random);
            byte[] stored = PhotoLikeImages.jpeg(ExifImages.stored(photo, 6), 0.6f);
            upright += predicted(http, PhotoLikeImages.jpeg(photo, 0.6f)) == test.label(index) ? 1 : 0;
            sideways += predicted(http, ExifImages.withApp1(stored, ExifImages.orientationTiff(6, false))) == test.label(index) ? 1 : 0;
            untagged += predicted(http, stored) == test.label(index) ? 1 : 0;
        }
        System.out.printf("phone-like JPEGs over HTTP: upright %d/%d, sideways+Orientation 6 %d/%d, untagged %d/%d%n",
                upright, count, sideways, count, untagged, count);
        assertThat(upright / (double) count).isGreaterThanOrEqualTo(0.95);
        assertThat(sideways / (double) count).isGreaterThanOrEqualTo(0.95);
        // the peer that shows the tag matters: the same pixels without it are read sideways
        assertThat(untagged / (double) count).isLessThan(0.5);
    }

    @Test
    void aWebpBodyAndAWebpPartArePredicted() {
        HttpTestClient http = new HttpTestClient(port);
        byte[] webp = TestImages.resource("seven-sideways-orientation6.webp");
        HttpTestClient.Response body = http.post("/api/v1/models/cnn/predict", "image/webp", webp);
        assertThat(body.status()).as(body.body()).isEqualTo(200);
        assertThat(body.json().get("predictions").get(0).get("digit").asInt()).isEqualTo(7);
        HttpTestClient.Response part = http.send(multipart("/api/v1/models/cnn/versions/1/predict", "image/webp", webp));
        assertThat(part.status()).as(part.body()).isEqualTo(200);
        assertThat(part.json().get("predictions").get(0).get("digit").asInt()).isEqualTo(7);
    }

    @Test
    void numbersOfTwoToEightTouchingOrSpacedTestDigitsAreRead() {
        HttpTestClient http = new HttpTestClient(port);
        MnistDataset test = TestData.testSet();
        // the very set bench/photos.sh reports on (seed 2024, 200 numbers), here over HTTP
        java.util.List<PhotoLikeImages.Number> numbers = PhotoLikeImages.numbers(test, PhotoBenchmark.NUMBERS_SEED, 200);
        int count = numbers.size();
        int exact = 0;
        for (int n = 0; n < count; n++) {
            PhotoLikeImages.Number number = numbers.get(n);
            byte[] jpeg = PhotoLikeImages.jpeg(number.image(), 0.6f);
            HttpTestClient.Response response = n % 2 == 0
                    ? http.post("/api/v1/models/cnn/read", "image/jpeg", jpeg)
                    : http.send(multipart("/api/v1/models/cnn/versions/1/read", "image/jpeg", jpeg));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
            JsonNode body = response.json();
            String text = body.get("text").asString();
            assertThat(body.get("digits").size()).isEqualTo(text.length());
            int previousX = -1;
            for (JsonNode digit : body.get("digits")) {
                assertThat(digit.get("probability").asDouble()).isBetween(0.0, 1.0);
                assertThat(digit.get("box").get(0).asInt()).isGreaterThan(previousX);
                previousX = digit.get("box").get(0).asInt();
            }
            exact += text.equals(number.text()) ? 1 : 0;
        }
        System.out.printf("numbers read exactly over HTTP: %d/%d%n", exact, count);
        // issue 19: a number is read exactly in at least 90% of cases
        assertThat(exact / (double) count).isGreaterThanOrEqualTo(0.90);
    }

    private HttpRequest.Builder multipart(String path, String type, byte[] image) {
        String boundary = "photos-it-boundary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x\"\r\n"
                + "Content-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[head.length + image.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(image, 0, body, head.length, image.length);
        System.arraycopy(tail, 0, body, head.length + image.length, tail.length);
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }
}
