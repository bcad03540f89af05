package dev.digitserve.batching;

import static dev.digitserve.batching.FakeEngine.expected;
import static dev.digitserve.batching.FakeEngine.images;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The whole batcher contract of {@link DynamicBatcherTest} again, with every batcher's workers borrowing threads from
 * a shared {@link BatcherPool}; plus what only the pool promises: idle batchers hold no thread, threads do not grow
 * with the number of batchers, a busy batcher hands its thread to the others, and histograms are opt-in.
 */
class PooledDynamicBatcherTest extends DynamicBatcherTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Enough threads for the contract tests' two workers plus one waiting for company. */
    private final BatcherPool pool = new BatcherPool(4);
    private final List<BatcherPool> pools = new ArrayList<>(List.of(pool));
    private final List<DynamicBatcher> mine = new ArrayList<>();

    @Override
    DynamicBatcher create(String model, int version, BatchingSettings settings, MeterRegistry meters, TimeSource clock) {
        return new DynamicBatcher(model, version, engine, settings, meters, clock, BatchObserver.NONE, pool, true);
    }

    @Override
    String workerThreadNames() {
        return "batcher-pool-[1-4]";
    }

    @Override
    void afterBatchers() {
        mine.forEach(batcher -> batcher.shutdown(Duration.ZERO));
        pools.forEach(BatcherPool::close);
    }

    private DynamicBatcher pooled(BatcherPool on, String model, int maxBatchSize, MeterRegistry meters,
                                  boolean histograms) {
        DynamicBatcher batcher = new DynamicBatcher(model, 1, engine,
                new BatchingSettings(maxBatchSize, Duration.ofSeconds(1), 100, Duration.ofSeconds(10), 1), meters,
                TimeSource.system(), BatchObserver.NONE, on, histograms);
        mine.add(batcher);
        return batcher;
    }

    private BatcherPool newPool(int threads) {
        BatcherPool created = new BatcherPool(threads);
        pools.add(created);
        return created;
    }

    @Test
    void manyBatchersShareOneThreadAndIdleOnesHoldNone() {
        BatcherPool single = newPool(1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<CompletableFuture<float[]>> answers = new ArrayList<>();
        for (int n = 0; n < 50; n++) {
            DynamicBatcher batcher = pooled(single, "model-" + n, 64, meters, false);
            answers.add(batcher.submit(images(n), 1, null));
        }
        for (int n = 0; n < 50; n++) {
            assertThat(answers.get(n)).succeedsWithin(WAIT).isEqualTo(expected(n));
        }
        assertThat(single.startedThreads()).isEqualTo(1);
        assertThat(engine.threads()).containsOnly("batcher-pool-1");
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.startsWith("batcher-model-"));
        // every batcher is idle again: shutting one down does not wait for a worker
        assertThat(mine.get(7).shutdown(Duration.ZERO)).isTrue();
    }

    @Test
    void aBusyBatcherHandsItsThreadToTheOthersAfterEachBatch() throws Exception {
        BatcherPool single = newPool(1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DynamicBatcher a = pooled(single, "a", 1, meters, false);
        DynamicBatcher b = pooled(single, "b", 1, meters, false);

        engine.block();
        CompletableFuture<float[]> a1 = a.submit(images(1), 1, null);
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
        CompletableFuture<float[]> a2 = a.submit(images(2), 1, null);
        CompletableFuture<float[]> a3 = a.submit(images(3), 1, null);
        CompletableFuture<float[]> b1 = b.submit(images(50), 1, null); // waits for the only thread
        engine.release();

        for (CompletableFuture<float[]> answer : List.of(a1, a2, a3, b1)) {
            assertThat(answer).succeedsWithin(WAIT);
        }
        // a had two more batches queued, but b's waiting task ran right after a's first batch
        assertThat(engine.batches()).containsExactly(List.of(1), List.of(50), List.of(2), List.of(3));
    }

    @Test
    void histogramBucketsOnlyForBatchersThatOptIn() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        DynamicBatcher plain = pooled(pool, "plain", 8, prometheus, false);
        DynamicBatcher bucketed = pooled(pool, "bucketed", 8, prometheus, true);
        assertThat(plain.submit(images(1), 1, null)).succeedsWithin(WAIT);
        assertThat(bucketed.submit(images(2), 1, null)).succeedsWithin(WAIT);

        // one scrape with both kinds: Prometheus accepts only one type per name, so both are histograms
        String scrape = prometheus.scrape();
        assertThat(buckets(scrape, "plain")).isEqualTo(2); // the request timeout and +Inf
        assertThat(buckets(scrape, "bucketed")).isGreaterThan(20);
        assertThat(scrape).contains(
                "digitserve_inference_requests_seconds_count{model=\"plain\",outcome=\"success\",version=\"1\"}");
    }

    private static long buckets(String scrape, String model) {
        return scrape.lines().filter(line -> line.startsWith("digitserve_inference_requests_seconds_bucket{model=\""
                + model + "\",outcome=\"success\"")).count();
    }
}
