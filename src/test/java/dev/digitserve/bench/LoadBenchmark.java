package dev.digitserve.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import tools.jackson.databind.json.JsonMapper;

/**
 * The load generator of {@code bench/load.sh}: closed-loop clients (each sends one single-image JSON
 * request, waits for the answer, sends the next) or an open-loop fixed rate, against a running
 * service. Latency is measured client-side with HdrHistogram; the average batch size comes from the
 * service's own {@code digitserve_batch_size} metric (delta over the run).
 *
 * <p>Usage: {@code LoadBenchmark <base-url> <model> <label> <seconds> closed <clients>...} or
 * {@code LoadBenchmark <base-url> <model> <label> <seconds> rate <requests-per-second>}. Each run
 * appends one JSON line to {@code bench/results/load-runs.jsonl} and prints one table row.
 */
public final class LoadBenchmark {
    private static final int DISTINCT_BODIES = 256;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private LoadBenchmark() {
    }

    record Run(String label, String mode, int clients, double offeredRate, double seconds, long requests, long errors,
               double imagesPerSecond, double p50Ms, double p99Ms, double meanBatchSize) {
        Run withLabel(String newLabel) {
            return new Run(newLabel, mode, clients, offeredRate, seconds, requests, errors, imagesPerSecond, p50Ms,
                    p99Ms, meanBatchSize);
        }
    }

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String model = args[1];
        String label = args[2];
        int seconds = Integer.parseInt(args[3]);
        String mode = args[4];
        MnistDataset test = Mnist.test(Path.of("data/mnist"));
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < DISTINCT_BODIES; i++) {
            bodies.add(body(test, i));
        }
        HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4))
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create(base + "/api/v1/models/" + model + "/predict");
        List<Run> runs = new ArrayList<>();
        if (mode.equals("closed")) {
            for (int i = 5; i < args.length; i++) {
                int clients = Integer.parseInt(args[i]);
                closedLoop(client, uri, bodies, clients, 2, base, model); // warm-up, not reported
                runs.add(closedLoop(client, uri, bodies, clients, seconds, base, model).withLabel(label));
            }
        } else {
            double rate = Double.parseDouble(args[5]);
            runs.add(openLoop(client, uri, bodies, rate, seconds, base, model).withLabel(label));
        }
        Path out = Path.of("bench/results");
        Files.createDirectories(out);
        for (Run run : runs) {
            System.out.println(String.format(Locale.ROOT, "%-22s %-6s %7d %9.0f %12.0f %9.2f %9.2f %11.1f %7d",
                    run.label(), run.mode(), run.clients(), run.offeredRate(), run.imagesPerSecond(), run.p50Ms(),
                    run.p99Ms(), run.meanBatchSize(), run.errors()));
            Files.writeString(out.resolve("load-runs.jsonl"), JSON.writeValueAsString(run) + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        System.exit(0);
    }

    private static Run closedLoop(HttpClient client, URI uri, List<byte[]> bodies, int clients, int seconds,
                                  String base, String model) throws Exception {
        Histogram latencies = new ConcurrentHistogram(3);
        AtomicLong errors = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        double[] batchBefore = batchStats(client, base, model);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long started = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int offset = c;
            pool.execute(() -> {
                int i = offset;
                while (System.nanoTime() < deadline) {
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<Void> response = client.send(request(uri, bodies.get(i++ % bodies.size())),
                                HttpResponse.BodyHandlers.discarding());
                        if (response.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                    latencies.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                    requests.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - started) / 1e9;
        double[] batchAfter = batchStats(client, base, model);
        return result("closed", clients, 0, elapsed, requests.get(), errors.get(), latencies, batchBefore, batchAfter);
    }

    private static Run openLoop(HttpClient client, URI uri, List<byte[]> bodies, double rate, int seconds,
                                String base, String model) throws Exception {
        Histogram latencies = new ConcurrentHistogram(3);
        AtomicLong errors = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        double[] batchBefore = batchStats(client, base, model);
        long interval = (long) (1e9 / rate);
        long total = (long) (rate * seconds);
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        long started = System.nanoTime();
        for (long n = 0; n < total; n++) {
            long due = started + n * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.sleep(Math.min(wait, 200_000));
            }
            // latency counts from the intended send time, so a slow server cannot hide queueing (no coordinated omission)
            inFlight.add(client.sendAsync(request(uri, bodies.get((int) (n % bodies.size()))),
                    HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                        if (error != null || response.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                        latencies.recordValue(Math.max(1, (System.nanoTime() - due) / 1000));
                        requests.incrementAndGet();
                    }));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        double elapsed = (System.nanoTime() - started) / 1e9;
        double[] batchAfter = batchStats(client, base, model);
        return result("rate", 0, rate, elapsed, requests.get(), errors.get(), latencies, batchBefore, batchAfter);
    }

    private static Run result(String mode, int clients, double rate, double elapsed, long requests, long errors,
                              Histogram latencies, double[] before, double[] after) {
        double batches = after[0] - before[0];
        double images = after[1] - before[1];
        return new Run("", mode, clients, rate, elapsed, requests, errors, (requests - errors) / elapsed,
                latencies.getValueAtPercentile(50) / 1000.0, latencies.getValueAtPercentile(99) / 1000.0,
                batches == 0 ? 0 : images / batches);
    }

    private static HttpRequest request(URI uri, byte[] body) {
        return HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** [engine calls, images] so far, from the service's batch-size summary. */
    private static double[] batchStats(HttpClient client, String base, String model) throws Exception {
        String metrics = client.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return new double[] {
                metric(metrics, "digitserve_batch_size_count\\{model=\"" + model + "\",version=\"[0-9]+\"\\}"),
                metric(metrics, "digitserve_batch_size_sum\\{model=\"" + model + "\",version=\"[0-9]+\"\\}")};
    }

    private static double metric(String metrics, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + " ([0-9.eE+-]+)$").matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    private static byte[] body(MnistDataset test, int image) {
        StringBuilder json = new StringBuilder("{\"instances\":[[");
        for (int p = 0; p < MnistDataset.PIXELS; p++) {
            if (p > 0) {
                json.append(',');
            }
            float v = test.pixel(image, p);
            json.append(v == 0 ? "0" : String.format(Locale.ROOT, "%.3f", v));
        }
        return json.append("]]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
