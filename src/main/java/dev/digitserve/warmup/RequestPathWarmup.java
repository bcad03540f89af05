package dev.digitserve.warmup;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.imageio.ImageIO;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import dev.digitserve.inference.Images;
import dev.digitserve.model.ModelRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Warms the whole request path of every served model over real HTTP against the service's own port, once the
 * application is ready and listening: at least {@code rounds} rounds of v1 JSON and V2 infer requests at every
 * configured batch size, a v1 PNG body and a v1 multipart upload per model, and {@code concurrency} one-digit v1
 * requests spread over the models, the requests of a round in flight together; then (with
 * {@code until-jit-quiet}) more rounds until the JIT has gone quiet. Until it ends (done, or {@code max-time} passed) the {@code warmup} health component, in the
 * readiness group, is DOWN. It runs on its own daemon thread, logs its duration and is reported in
 * {@code /actuator/info}.
 *
 * <p>Why over HTTP rather than calling the engine: the JIT compiles what runs, and cold are the parsing,
 * servlet, batching and serialisation code, not only the forward pass (which {@code ModelLoader} already warms).
 */
@Component
public class RequestPathWarmup {
    private static final Logger log = LoggerFactory.getLogger(RequestPathWarmup.class);
    private static final String SAMPLE = "openapi/example-seven.json";
    private static final int UPLOAD_IMAGES = 8;
    private static final String BOUNDARY = "digitserve-warmup-boundary";
    /** The quiet rule: compiler threads busy less than a quarter of the last 2 s (see {@link JitActivity}). */
    private static final Duration JIT_WINDOW = Duration.ofSeconds(2);
    private static final double JIT_QUIET_SHARE = 0.25;

    private final ModelRegistry registry;
    private final WarmupProperties properties;
    private final Environment environment;
    private final JsonMapper json;
    private volatile WarmupReport report;

    public RequestPathWarmup(ModelRegistry registry, WarmupProperties properties, Environment environment,
                             JsonMapper json) {
        this.registry = registry;
        this.properties = properties;
        this.environment = environment;
        this.json = json;
        this.report = new WarmupReport(properties.enabled() ? WarmupReport.State.PENDING
                : WarmupReport.State.DISABLED, 0, 0, 0, 0, properties.maxTime().toMillis());
    }

    public WarmupReport report() {
        return report;
    }

    @EventListener(ApplicationReadyEvent.class)
    void onReady() {
        Integer port = environment.getProperty("local.server.port", Integer.class);
        if (!properties.enabled()) {
            return;
        }
        if (port == null || port <= 0) {
            log.warn("warm-up skipped: the service is not listening on an HTTP port");
            report = new WarmupReport(WarmupReport.State.DONE, 0, 0, 0, 0, properties.maxTime().toMillis());
            return;
        }
        Thread thread = new Thread(() -> run(port), "warmup");
        thread.setDaemon(true);
        thread.start();
    }

    /** Sends the rounds; never throws, so that readiness always turns UP in the end. */
    void run(int port) {
        long start = System.nanoTime();
        long deadline = start + properties.maxTime().toNanos();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        int rounds = 0;
        int requests = 0;
        int failures = 0;
        WarmupReport.State end = WarmupReport.State.DONE;
        report = new WarmupReport(WarmupReport.State.RUNNING, 0, 0, 0, 0, properties.maxTime().toMillis());
        try {
            float[] digit = sampleDigit();
            byte[] png = png(digit);
            // lazily loaded models are not loaded for a warm-up: only those already in memory (the always-loaded ones)
            List<String> models = registry.loadedModels();
            List<Call> calls = calls(port, models, digit, png);
            JitActivity jit = JitActivity.ofThisJvm(JIT_WINDOW.toNanos(), JIT_QUIET_SHARE);
            jit.sample();
            while (rounds < properties.rounds() || properties.untilJitQuiet() && !jit.quiet()) {
                if (System.nanoTime() - deadline >= 0) {
                    end = WarmupReport.State.TIMED_OUT;
                    break;
                }
                List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
                for (Call call : calls) {
                    inFlight.add(client.sendAsync(call.request(), HttpResponse.BodyHandlers.discarding())
                            .thenApply(HttpResponse::statusCode).exceptionally(e -> -1));
                }
                for (int i = 0; i < inFlight.size(); i++) {
                    long left = Math.max(1, deadline - System.nanoTime());
                    int status;
                    try {
                        status = inFlight.get(i).get(left, TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        status = -1;
                    }
                    requests++;
                    if (status != 200) {
                        failures++;
                        if (failures == 1) {
                            log.warn("warm-up request {} answered {}", calls.get(i).label(), status);
                        }
                    }
                }
                rounds++;
                jit.sample();
                report = new WarmupReport(WarmupReport.State.RUNNING, (System.nanoTime() - start) / 1_000_000,
                        rounds, requests, failures, properties.maxTime().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            end = WarmupReport.State.TIMED_OUT;
        } catch (RuntimeException | java.util.concurrent.ExecutionException | IOException e) {
            log.warn("warm-up stopped early: {}", e.toString());
            end = WarmupReport.State.TIMED_OUT;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        report = new WarmupReport(end, millis, rounds, requests, failures, properties.maxTime().toMillis());
        log.info("warm-up {} in {} ms: {} rounds, {} requests over HTTP ({} not 200), max-time {} ms; ready for traffic",
                end == WarmupReport.State.DONE ? "done" : "stopped at max-time", millis, rounds, requests, failures,
                properties.maxTime().toMillis());
    }

    private record Call(String label, HttpRequest request) {
    }

    private List<Call> calls(int port, List<String> models, float[] digit, byte[] png) {
        String base = "http://127.0.0.1:" + port;
        List<Call> calls = new ArrayList<>();
        String pixels = values(digit);
        for (String model : models) {
            String v1 = base + "/api/v1/models/" + model + "/predict";
            String v2 = base + "/v2/models/" + model + "/infer";
            for (int size : properties.batchSizes()) {
                String many = String.join(",", java.util.Collections.nCopies(size, pixels));
                calls.add(new Call("v1 JSON " + model + " x" + size, post(v1, "application/json",
                        ("{\"instances\":[" + String.join(",", java.util.Collections.nCopies(size, "[" + pixels + "]"))
                                + "]}").getBytes(StandardCharsets.UTF_8))));
                calls.add(new Call("V2 " + model + " x" + size, post(v2, "application/json",
                        ("{\"inputs\":[{\"name\":\"input\",\"shape\":[" + size + "," + Images.PIXELS
                                + "],\"datatype\":\"FP32\",\"data\":[" + many + "]}]}").getBytes(StandardCharsets.UTF_8))));
            }
            calls.add(new Call("v1 PNG " + model, post(v1, "image/png", png)));
            calls.add(new Call("v1 upload " + model + " x" + UPLOAD_IMAGES,
                    post(v1, "multipart/form-data; boundary=" + BOUNDARY, multipart(png, UPLOAD_IMAGES))));
        }
        // one-digit requests in flight together, spread over the models, as many clients would send them
        for (int i = 0; i < properties.concurrency() && !models.isEmpty(); i++) {
            String model = models.get(i % models.size());
            calls.add(new Call("v1 JSON " + model + " x1, concurrent", post(base + "/api/v1/models/" + model + "/predict",
                    "application/json", ("{\"instances\":[[" + pixels + "]]}").getBytes(StandardCharsets.UTF_8))));
        }
        return calls;
    }

    private static HttpRequest post(String url, String contentType, byte[] body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static byte[] multipart(byte[] png, int parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < parts; i++) {
            body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"digit"
                    + i + ".png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(png);
            body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }

    /** The OpenAPI example seven: a real MNIST digit, so every stage (including digit finding) does real work. */
    private float[] sampleDigit() throws IOException {
        try (InputStream in = RequestPathWarmup.class.getClassLoader().getResourceAsStream(SAMPLE)) {
            if (in == null) {
                throw new IOException("missing classpath resource " + SAMPLE);
            }
            JsonNode rows = json.readTree(in).get("instances").get(0);
            float[] pixels = new float[Images.PIXELS];
            for (int r = 0; r < Images.SIDE; r++) {
                for (int c = 0; c < Images.SIDE; c++) {
                    pixels[r * Images.SIDE + c] = (float) rows.get(r).get(c).asDouble();
                }
            }
            return pixels;
        }
    }

    /** The digit as a dark-on-light grey PNG, scaled up, as a photo or a drawing pad would send it. */
    private static byte[] png(float[] digit) {
        int scale = 4;
        BufferedImage image = new BufferedImage(Images.SIDE * scale, Images.SIDE * scale, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int ink = Math.round(digit[(y / scale) * Images.SIDE + x / scale] * 255);
                int grey = 255 - ink;
                image.getRaster().setSample(x, y, 0, grey);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String values(float[] pixels) {
        return Arrays.stream(box(pixels)).map(v -> v == 0f ? "0" : Float.toString(v)).collect(Collectors.joining(","));
    }

    private static Float[] box(float[] pixels) {
        Float[] boxed = new Float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            boxed[i] = pixels[i];
        }
        return boxed;
    }
}
