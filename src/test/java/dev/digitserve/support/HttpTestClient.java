package dev.digitserve.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.digitserve.data.MnistDataset;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small real-HTTP client for full-stack tests (java.net.http, no mocks). */
public final class HttpTestClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public HttpTestClient(int port) {
        this.base = "http://localhost:" + port;
    }

    public record Response(int status, String contentType, String body, HttpResponse<String> raw) {
        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Response post(String path, String contentType, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    public Response postJson(String path, String json) {
        return post(path, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""), response.body(), response);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code {"instances": [...]}} of images {@code from..to} of a dataset, flat 784 numbers each. */
    public static String instancesJson(MnistDataset data, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> IntStream.range(0, MnistDataset.PIXELS)
                        .mapToObj(p -> String.format(Locale.ROOT, "%.4f", data.pixel(i, p)))
                        .collect(Collectors.joining(",", "[", "]")))
                .collect(Collectors.joining(",", "{\"instances\":[", "]}"));
    }
}
