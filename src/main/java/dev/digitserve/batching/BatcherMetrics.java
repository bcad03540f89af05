package dev.digitserve.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import dev.digitserve.batching.BatchingException.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of one batcher (one model version), all registered up front so that the hot path never looks a
 * meter up, and all removed together when the version is unloaded. Percentile histogram buckets (dozens of series
 * per timer) are published only for batchers built with {@code histograms}; without them the timers and the summary
 * export count, sum, max and one bucket (at the request timeout, or the maximum batch size).
 */
final class BatcherMetrics {

    static final String REQUESTS = "digitserve.inference.requests";
    static final String QUEUE_WAIT = "digitserve.batch.queue.wait";
    static final String COMPUTE = "digitserve.batch.compute";
    static final String BATCH_SIZE = "digitserve.batch.size";
    static final String QUEUE_DEPTH = "digitserve.batch.queue.depth";
    static final String IMAGES = "digitserve.inference.images";
    static final String REJECTED = "digitserve.inference.rejected";

    enum Outcome {
        SUCCESS("success"), REJECTED("rejected"), EXPIRED("expired"), FAILED("failed");

        final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }
    }

    // No base units on the image meters: Prometheus would append "_images" and the names would stop being the
    // documented names with dots as underscores.
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<Outcome, Timer> requests = new EnumMap<>(Outcome.class);
    private final Map<Reason, Counter> rejected = new EnumMap<>(Reason.class);
    final Timer queueWait;
    final Timer compute;
    final DistributionSummary batchSize;
    final Counter images;

    <T> BatcherMetrics(MeterRegistry registry, String model, int version, BatchingSettings settings,
                       boolean histograms, T depthSource, ToDoubleFunction<T> depth) {
        this.registry = registry;
        Tags tags = Tags.of("model", model, "version", Integer.toString(version));
        // Bucket ranges fit what is measured: queue waits are around max-queue-delay (2 ms), far below the
        // timer default floor of 1 ms granularity, and nothing outlives the request timeout.
        Duration timeout = settings.requestTimeout();
        // Without histograms, one bucket at the request timeout (plus +Inf): Prometheus needs every series of a name
        // to be of one type, so a model without buckets still exports a histogram, of two buckets instead of ~70.
        Duration[] oneBucket = histograms ? new Duration[0] : new Duration[] {timeout};
        for (Outcome outcome : Outcome.values()) {
            requests.put(outcome, add(Timer.builder(REQUESTS)
                    .description("Prediction requests inside the batcher, enqueue to answer")
                    .tags(tags).tag("outcome", outcome.tag)
                    .publishPercentileHistogram(histograms)
                    .serviceLevelObjectives(oneBucket)
                    .minimumExpectedValue(Duration.ofMillis(1).dividedBy(10))
                    .maximumExpectedValue(timeout)
                    .register(registry)));
        }
        queueWait = add(Timer.builder(QUEUE_WAIT)
                .description("Time from enqueue to the start of the request's batch")
                .tags(tags)
                .publishPercentileHistogram(histograms)
                .serviceLevelObjectives(oneBucket)
                .minimumExpectedValue(Duration.ofMillis(1).dividedBy(100))
                .maximumExpectedValue(timeout)
                .register(registry));
        compute = add(Timer.builder(COMPUTE)
                .description("Engine time per batch")
                .tags(tags)
                .publishPercentileHistogram(histograms)
                .serviceLevelObjectives(oneBucket)
                .minimumExpectedValue(Duration.ofMillis(1).dividedBy(10))
                .maximumExpectedValue(timeout)
                .register(registry));
        batchSize = add(DistributionSummary.builder(BATCH_SIZE)
                .description("Images per engine call")
                .tags(tags)
                .publishPercentileHistogram(histograms)
                .serviceLevelObjectives(histograms ? new double[0] : new double[] {settings.maxBatchSize()})
                .minimumExpectedValue(1.0)
                .maximumExpectedValue((double) Math.max(2, settings.maxBatchSize()))
                .register(registry));
        add(Gauge.builder(QUEUE_DEPTH, depthSource, depth)
                .description("Images waiting for a batch")
                .tags(tags)
                .register(registry));
        images = add(Counter.builder(IMAGES)
                .description("Images predicted")
                .tags(tags)
                .register(registry));
        for (Reason reason : Reason.values()) {
            if (reason.tag() != null) {
                rejected.put(reason, add(Counter.builder(REJECTED)
                        .description("Requests refused or dropped unanswered")
                        .tags(tags).tag("reason", reason.tag())
                        .register(registry)));
            }
        }
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    void request(Outcome outcome, long nanos) {
        requests.get(outcome).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    void rejected(Reason reason) {
        rejected.get(reason).increment();
    }

    void remove() {
        meters.forEach(registry::remove);
    }
}
