package dev.digitserve.batching;

import static dev.digitserve.batching.FakeEngine.expected;
import static dev.digitserve.batching.FakeEngine.images;
import static dev.digitserve.batching.FakeEngine.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DynamicBatcherTest {

    private static final Duration LONG = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The id of the image that keeps the engine busy in tests that need a running batch. */
    private static final int BUSY = 100;

    private final FakeTimeSource time = new FakeTimeSource();
    final FakeEngine engine = new FakeEngine();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<DynamicBatcher> batchers = new ArrayList<>();

    @AfterEach
    void stopBatchers() {
        engine.release();
        batchers.forEach(batcher -> batcher.shutdown(Duration.ZERO));
        afterBatchers();
    }

    /** Runs once every batcher of the test has shut down. */
    void afterBatchers() {
    }

    private DynamicBatcher start(int maxBatchSize, Duration maxQueueDelay, int queueCapacity, int workers) {
        return start(1, new BatchingSettings(maxBatchSize, maxQueueDelay, queueCapacity, Duration.ofSeconds(10),
                workers));
    }

    private DynamicBatcher start(int version, BatchingSettings settings) {
        DynamicBatcher batcher = create("cnn", version, settings, registry, time);
        batchers.add(batcher);
        return batcher;
    }

    /** How the batchers under test are built: with threads of their own here; a subclass runs them on a pool. */
    DynamicBatcher create(String model, int version, BatchingSettings settings, MeterRegistry meters,
                          TimeSource clock) {
        return new DynamicBatcher(model, version, engine, settings, meters, clock);
    }

    /** The names of the threads that run batches of the batcher {@code cnn} v1. */
    String workerThreadNames() {
        return "batcher-cnn-v1-[12]";
    }

    /** Holds the engine on a batch of image {@code BUSY}, so that waiting for company pays; returns its future. */
    private CompletableFuture<float[]> occupyEngine(DynamicBatcher batcher) throws InterruptedException {
        engine.block();
        CompletableFuture<float[]> busy = submit(batcher, BUSY);
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
        return busy;
    }

    private static ConditionFactory eventually() {
        return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
    }

    private static CompletableFuture<float[]> submit(DynamicBatcher batcher, int... ids) {
        return batcher.submit(images(ids), ids.length, null);
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        assertThat(future).failsWithin(WAIT);
        try {
            future.get();
            throw new AssertionError("future succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private double timerCount(String outcome) {
        return registry.get(BatcherMetrics.REQUESTS).tag("outcome", outcome).timer().count();
    }

    private double rejected(String reason) {
        return registry.get(BatcherMetrics.REJECTED).tag("reason", reason).counter().count();
    }

    @Test
    void loneRequestOnAnIdleEngineRunsAtOnce() {
        for (int workers = 1; workers <= 2; workers++) {
            DynamicBatcher batcher = start(workers, new BatchingSettings(64, LONG, 100, Duration.ofSeconds(10), workers));

            // the clock never moves: nothing may wait for the 1 s window when no batch is running
            assertThat(submit(batcher, 7)).succeedsWithin(WAIT).isEqualTo(expected(7));
            assertThat(submit(batcher, 8, 9)).succeedsWithin(WAIT).isEqualTo(expected(8, 9));
        }
        assertThat(engine.batches()).containsExactly(List.of(7), List.of(8, 9), List.of(7), List.of(8, 9));
        assertThat(registry.get(BatcherMetrics.QUEUE_WAIT).tag("version", "2").timer().totalTime(TimeUnit.NANOSECONDS))
                .isZero();
    }

    @Test
    void batchClosesAsSoonAsItHoldsMaxBatchSizeImages() throws Exception {
        DynamicBatcher batcher = start(4, LONG, 100, 2);
        CompletableFuture<float[]> busy = occupyEngine(batcher);

        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        for (int id = 1; id <= 6; id++) {
            futures.add(submit(batcher, id));
        }
        // the second worker waited for company while the engine was busy, and closed the batch when it was full
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(4);
        assertThat(engine.batches()).containsExactly(List.of(BUSY), List.of(1, 2, 3, 4)); // the clock never moved
        assertThat(batcher.queueDepth()).isEqualTo(2);

        engine.release(); // both batches end: the engine is idle, so the last two run without their window
        assertThat(busy).succeedsWithin(WAIT);
        for (int i = 0; i < 6; i++) {
            assertThat(futures.get(i)).succeedsWithin(WAIT).isEqualTo(expected(i + 1));
        }
        assertThat(engine.batches()).containsExactly(List.of(BUSY), List.of(1, 2, 3, 4), List.of(5, 6));
    }

    @Test
    void partlyFilledBatchWaitsMaxQueueDelayWhileAnotherBatchRuns() throws Exception {
        Duration delay = Duration.ofMillis(2);
        DynamicBatcher batcher = start(64, delay, 100, 2);
        CompletableFuture<float[]> busy = occupyEngine(batcher);
        long enqueuedAt = time.nanoTime();

        CompletableFuture<float[]> future = submit(batcher, 7);
        eventually().until(() -> time.hasAlarmAt(enqueuedAt + delay.toNanos())); // worker waits for company

        time.advance(Duration.ofMillis(1));
        assertThat(engine.batches()).containsExactly(List.of(BUSY));
        assertThat(future).isNotDone();

        time.advance(Duration.ofMillis(1));
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1); // window closed
        assertThat(busy).isNotDone(); // the first batch is still running
        engine.release();
        assertThat(future).succeedsWithin(WAIT).isEqualTo(expected(7));
        assertThat(engine.batches()).containsExactly(List.of(BUSY), List.of(7));
        assertThat(registry.get(BatcherMetrics.QUEUE_WAIT).timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2.0);
    }

    @Test
    void partlyFilledBatchRunsAsSoonAsTheRunningBatchEnds() throws Exception {
        DynamicBatcher batcher = start(64, LONG, 100, 2);
        CompletableFuture<float[]> busy = occupyEngine(batcher);
        long enqueuedAt = time.nanoTime();

        CompletableFuture<float[]> waiting = submit(batcher, 7, 8);
        eventually().until(() -> time.hasAlarmAt(enqueuedAt + LONG.toNanos())); // waits for company
        assertThat(waiting).isNotDone();

        engine.release(); // the clock never moves: the engine falling idle ends the wait
        assertThat(busy).succeedsWithin(WAIT).isEqualTo(expected(BUSY));
        assertThat(waiting).succeedsWithin(WAIT).isEqualTo(expected(7, 8));
        assertThat(engine.batches()).containsExactly(List.of(BUSY), List.of(7, 8));
    }

    @Test
    void requestsKeepTheirOrderAcrossConcurrentSubmitters() throws Exception {
        DynamicBatcher batcher = start(8, Duration.ZERO, 100_000, 1);
        int submitters = 4;
        int requestsEach = 50;
        CountDownLatch go = new CountDownLatch(1);
        List<List<CompletableFuture<float[]>>> futures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < submitters; t++) {
            List<CompletableFuture<float[]>> mine = new ArrayList<>();
            futures.add(mine);
            int submitter = t;
            threads.add(new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < requestsEach; k++) {
                    mine.add(submit(batcher, idsOf(submitter, k)));
                }
            }));
        }
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread thread : threads) {
            thread.join(WAIT.toMillis());
        }

        for (int t = 0; t < submitters; t++) {
            for (int k = 0; k < requestsEach; k++) {
                assertThat(futures.get(t).get(k)).succeedsWithin(WAIT).isEqualTo(expected(idsOf(t, k)));
            }
        }
        List<Integer> computed = engine.batches().stream().flatMap(List::stream).toList();
        assertThat(computed).doesNotHaveDuplicates();
        for (int t = 0; t < submitters; t++) {
            int submitter = t;
            assertThat(computed.stream().filter(id -> id / 10_000 == submitter + 1).toList())
                    .as("images of submitter %d, in engine order", t)
                    .isSorted()
                    .hasSize(futures.get(t).stream().mapToInt(f -> f.join().length / 10).sum());
        }
        assertThat(engine.batchSizes()).allMatch(size -> size <= 8);
        assertThat(engine.threads()).allMatch(name -> name.matches(workerThreadNames()));
    }

    /** 1 to 3 images, ids increasing with k within one submitter. */
    private static int[] idsOf(int submitter, int k) {
        int n = 1 + k % 3;
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (submitter + 1) * 10_000 + k * 10 + i;
        }
        return ids;
    }

    @Test
    void largeRequestIsSplitAcrossBatchesAndAnsweredWholeInOrder() throws Exception {
        DynamicBatcher batcher = start(4, LONG, 100, 1);
        CompletableFuture<float[]> busy = occupyEngine(batcher);

        CompletableFuture<float[]> small = submit(batcher, 1, 2, 3);
        CompletableFuture<float[]> large = submit(batcher, range(11, 20));
        assertThat(batcher.queueDepth()).isEqualTo(13);

        engine.release();
        assertThat(busy).succeedsWithin(WAIT);
        assertThat(small).succeedsWithin(WAIT).isEqualTo(expected(1, 2, 3));
        assertThat(large).succeedsWithin(WAIT).isEqualTo(expected(range(11, 20)));
        assertThat(engine.batches()).containsExactly(List.of(BUSY),
                List.of(1, 2, 3, 11), List.of(12, 13, 14, 15), List.of(16, 17, 18, 19), List.of(20));
        assertThat(timerCount("success")).isEqualTo(3);
    }

    @Test
    void fullQueueRefusesAtOnceWithRetryAfter() throws Exception {
        DynamicBatcher batcher = start(64, LONG, 4, 1);
        occupyEngine(batcher); // its image has left the queue

        CompletableFuture<float[]> first = submit(batcher, 1, 2, 3);
        CompletableFuture<float[]> refused = submit(batcher, 4, 5);
        assertThat(refused).isCompletedExceptionally(); // at once, not after some wait
        Throwable failure = failureOf(refused);
        assertThat(failure).isInstanceOf(BatchingException.class).extracting("reason").isEqualTo(BatchingException.Reason.QUEUE_FULL);
        assertThat(((BatchingException) failure).retryAfterSeconds()).isGreaterThanOrEqualTo(1);

        CompletableFuture<float[]> fits = submit(batcher, 6);
        assertThat(batcher.queueDepth()).isEqualTo(4);

        engine.release();
        assertThat(first).succeedsWithin(WAIT).isEqualTo(expected(1, 2, 3));
        assertThat(fits).succeedsWithin(WAIT).isEqualTo(expected(6));
        assertThat(engine.batches()).containsExactly(List.of(BUSY), List.of(1, 2, 3, 6));
        assertThat(rejected("queue_full")).isEqualTo(1);
        assertThat(timerCount("rejected")).isEqualTo(1);
    }

    @Test
    void retryAfterFollowsTheMeasuredThroughput() {
        DynamicBatcher batcher = start(4, Duration.ZERO, 10_000, 1);
        assertThat(batcher.retryAfterSeconds(0)).isEqualTo(1);
        assertThat(batcher.retryAfterSeconds(4096)).isEqualTo(5); // default 1000 images/s
        assertThat(batcher.retryAfterSeconds(1_000_000)).isEqualTo(10); // capped at the request timeout

        engine.chargeComputeTime(time, Duration.ofMillis(40).toNanos()); // 4 images per 40 ms: 100 images/s
        assertThat(submit(batcher, 1, 2, 3, 4)).succeedsWithin(WAIT);

        assertThat(batcher.retryAfterSeconds(250)).isEqualTo(3);
    }

    @Test
    void requestWhoseDeadlinePassesInTheQueueFailsPromptlyAndIsNeverComputed() throws Exception {
        DynamicBatcher batcher = start(1, Duration.ZERO, 100, 1);
        engine.block();
        CompletableFuture<float[]> running = submit(batcher, 1);
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);

        CompletableFuture<float[]> stale = batcher.submit(images(2), 1, Duration.ofMillis(100));
        assertThat(batcher.queueDepth()).isEqualTo(1);
        time.advance(Duration.ofMillis(100));

        assertThat(stale).isCompletedExceptionally(); // while the worker is still busy
        assertThat(failureOf(stale)).isInstanceOf(BatchingException.class).extracting("reason").isEqualTo(BatchingException.Reason.DEADLINE);
        assertThat(batcher.queueDepth()).isZero();

        engine.release();
        assertThat(running).succeedsWithin(WAIT).isEqualTo(expected(1));
        assertThat(submit(batcher, 3)).succeedsWithin(WAIT).isEqualTo(expected(3));
        assertThat(engine.batches()).containsExactly(List.of(1), List.of(3));
        assertThat(timerCount("expired")).isEqualTo(1);
        assertThat(rejected("deadline")).isEqualTo(1);
    }

    @Test
    void expiredRequestIsDroppedWhenTheBatchIsFormedEvenIfItsAlarmIsLate() throws Exception {
        DynamicBatcher batcher = start(1, Duration.ZERO, 100, 1);
        engine.block();
        CompletableFuture<float[]> running = submit(batcher, 1);
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
        CompletableFuture<float[]> stale = batcher.submit(images(2), 1, Duration.ofMillis(100));

        time.advanceWithoutAlarms(Duration.ofMillis(100));
        engine.release();

        assertThat(running).succeedsWithin(WAIT);
        assertThat(failureOf(stale)).isInstanceOf(BatchingException.class).extracting("reason").isEqualTo(BatchingException.Reason.DEADLINE);
        assertThat(engine.batches()).containsExactly(List.of(1));
        assertThat(rejected("deadline")).isEqualTo(1);
    }

    @Test
    void nonPositiveTimeoutExpiresAtOnce() {
        DynamicBatcher batcher = start(64, LONG, 100, 1);
        assertThat(failureOf(batcher.submit(images(1), 1, Duration.ZERO)))
                .isInstanceOf(BatchingException.class).extracting("reason").isEqualTo(BatchingException.Reason.DEADLINE);
        assertThat(batcher.queueDepth()).isZero();
    }

    @Test
    void engineFailureFailsOnlyItsBatchAndTheNextBatchSucceeds() throws Exception {
        DynamicBatcher batcher = start(2, LONG, 100, 1);
        engine.failOn(1);
        CompletableFuture<float[]> busy = occupyEngine(batcher);

        CompletableFuture<float[]> a = submit(batcher, 1);
        CompletableFuture<float[]> b = submit(batcher, 2);
        engine.release();
        assertThat(busy).succeedsWithin(WAIT);
        for (CompletableFuture<float[]> failed : List.of(a, b)) {
            assertThat(failureOf(failed)).isInstanceOf(BatchingException.class).extracting("reason")
                    .isEqualTo(BatchingException.Reason.ENGINE_FAILED);
            assertThat(failureOf(failed)).cause().hasMessage("boom on image 1");
        }

        CompletableFuture<float[]> c = submit(batcher, 3, 4);
        assertThat(c).succeedsWithin(WAIT).isEqualTo(expected(3, 4));
        assertThat(engine.batches()).containsExactly(List.of(BUSY), List.of(1, 2), List.of(3, 4));
        assertThat(timerCount("failed")).isEqualTo(2);
        assertThat(timerCount("success")).isEqualTo(2);
    }

    @Test
    void engineFailureFailsTheRestOfASplitRequestWithoutComputingIt() {
        DynamicBatcher batcher = start(2, LONG, 100, 1);
        engine.failOn(1);

        CompletableFuture<float[]> split = submit(batcher, 1, 2, 3);

        assertThat(failureOf(split)).isInstanceOf(BatchingException.class).extracting("reason").isEqualTo(BatchingException.Reason.ENGINE_FAILED);
        eventually().until(() -> batcher.queueDepth() == 0);
        assertThat(submit(batcher, 4, 5)).succeedsWithin(WAIT);
        assertThat(engine.batches()).containsExactly(List.of(1, 2), List.of(4, 5));
    }

    @Test
    void cancelledRequestLeavesTheQueue() throws Exception {
        DynamicBatcher batcher = start(64, LONG, 100, 1);
        occupyEngine(batcher);
        CompletableFuture<float[]> cancelled = submit(batcher, 1, 2, 3);
        assertThat(batcher.queueDepth()).isEqualTo(3);

        cancelled.cancel(true);
        assertThat(batcher.queueDepth()).isZero();
        CompletableFuture<float[]> next = submit(batcher, 4);
        engine.release();
        assertThat(next).succeedsWithin(WAIT);
        assertThat(engine.batches()).containsExactly(List.of(BUSY), List.of(4));
    }

    @Test
    void shutdownDrainsQueuedWorkWithoutWaitingForCompanyAndRefusesNewWork() throws Exception {
        DynamicBatcher batcher = start(2, LONG, 100, 2);
        engine.block();
        CompletableFuture<float[]> a = submit(batcher, 1, 2); // runs at once on an idle engine, and stays there
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
        long enqueuedAt = time.nanoTime();
        CompletableFuture<float[]> queued = submit(batcher, 3);
        eventually().until(() -> time.hasAlarmAt(enqueuedAt + LONG.toNanos())); // the second worker waits for company

        CompletableFuture<Boolean> stopped = new CompletableFuture<>();
        new Thread(() -> stopped.complete(batcher.shutdown(Duration.ofSeconds(30))), "test-shutdown").start();
        eventually().until(batcher::isClosed);

        CompletableFuture<float[]> late = submit(batcher, 4);
        assertThat(failureOf(late)).isInstanceOf(BatchingException.class).extracting("reason").isEqualTo(BatchingException.Reason.SHUTDOWN);

        // the clock never moves and the first batch still runs: shutdown alone ends the wait for company
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
        engine.release();
        assertThat(a).succeedsWithin(WAIT).isEqualTo(expected(1, 2));
        assertThat(queued).succeedsWithin(WAIT).isEqualTo(expected(3));
        assertThat(stopped).succeedsWithin(WAIT).isEqualTo(true);
        assertThat(engine.batches()).containsExactly(List.of(1, 2), List.of(3));
        assertThat(batcher.shutdown(Duration.ZERO)).isTrue(); // idempotent
    }

    @Test
    void shutdownFailsWhatIsLeftWhenTheGracePeriodEnds() throws Exception {
        DynamicBatcher batcher = start(1, Duration.ZERO, 100, 1);
        engine.block();
        CompletableFuture<float[]> running = submit(batcher, 1);
        assertThat(engine.entered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
        CompletableFuture<float[]> queued = submit(batcher, 2);

        long graceEnd = time.nanoTime() + LONG.toNanos();
        CompletableFuture<Boolean> stopped = new CompletableFuture<>();
        new Thread(() -> stopped.complete(batcher.shutdown(LONG)), "test-shutdown").start();
        eventually().until(() -> time.hasAlarmAt(graceEnd));
        time.advance(LONG);

        assertThat(stopped).succeedsWithin(WAIT).isEqualTo(false); // the engine call is still running
        assertThat(failureOf(running)).isInstanceOf(BatchingException.class).extracting("reason").isEqualTo(BatchingException.Reason.SHUTDOWN);
        assertThat(failureOf(queued)).isInstanceOf(BatchingException.class).extracting("reason").isEqualTo(BatchingException.Reason.SHUTDOWN);
        assertThat(batcher.queueDepth()).isZero();

        engine.release();
        eventually().until(() -> batcher.shutdown(Duration.ZERO));
        assertThat(engine.batches()).containsExactly(List.of(1));
    }

    @Test
    void maxBatchSizeOneRunsEveryImageAloneWithoutWaiting() {
        DynamicBatcher batcher = start(1, LONG, 100, 1);

        CompletableFuture<float[]> a = submit(batcher, 1);
        CompletableFuture<float[]> b = submit(batcher, 2, 3);
        CompletableFuture<float[]> c = submit(batcher, 4);

        // the clock never moves, so nothing may wait for the 1 s window
        assertThat(a).succeedsWithin(WAIT).isEqualTo(expected(1));
        assertThat(b).succeedsWithin(WAIT).isEqualTo(expected(2, 3));
        assertThat(c).succeedsWithin(WAIT).isEqualTo(expected(4));
        assertThat(engine.batches()).containsExactly(List.of(1), List.of(2), List.of(3), List.of(4));
    }

    @Test
    void severalWorkersShareTheQueue() {
        DynamicBatcher batcher = start(2, Duration.ZERO, 1000, 2);
        List<CompletableFuture<float[]>> futures = new ArrayList<>();
        for (int id = 1; id <= 40; id += 4) {
            futures.add(submit(batcher, id, id + 1, id + 2, id + 3));
        }
        for (int i = 0; i < futures.size(); i++) {
            int id = 1 + 4 * i;
            assertThat(futures.get(i)).succeedsWithin(WAIT).isEqualTo(expected(id, id + 1, id + 2, id + 3));
        }
        assertThat(engine.batches().stream().flatMap(List::stream)).containsExactlyInAnyOrder(
                java.util.stream.IntStream.rangeClosed(1, 40).boxed().toArray(Integer[]::new));
        assertThat(engine.threads()).allMatch(name -> name.matches(workerThreadNames()));
    }

    @Test
    void rejectsMalformedInput() {
        DynamicBatcher batcher = start(64, LONG, 100, 1);
        assertThatThrownBy(() -> batcher.submit(new float[783], 1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> batcher.submit(new float[0], 0, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> batcher.submit(null, 1, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void recordsMetricsAndRemovesThemOnClose() throws Exception {
        DynamicBatcher batcher = start(2, LONG, 100, 1);
        CompletableFuture<float[]> first = submit(batcher, 1);
        CompletableFuture<float[]> second = submit(batcher, 2);
        assertThat(first).succeedsWithin(WAIT);
        assertThat(second).succeedsWithin(WAIT);
        // first and second may have run apart or together: count from here on
        double batches = registry.get(BatcherMetrics.COMPUTE).timer().count();
        engine.entered.clear();
        occupyEngine(batcher);
        CompletableFuture<float[]> waiting = submit(batcher, 3);

        assertThat(timerCount("success")).isEqualTo(2);
        assertThat(registry.get(BatcherMetrics.QUEUE_WAIT).tags("model", "cnn", "version", "1").timer().count())
                .isEqualTo(3); // the busy image's batch has been claimed, so its wait is recorded
        assertThat(batches).isBetween(1.0, 2.0);
        assertThat(registry.get(BatcherMetrics.BATCH_SIZE).summary().count()).isEqualTo((long) batches);
        assertThat(registry.get(BatcherMetrics.BATCH_SIZE).summary().totalAmount()).isEqualTo(2);
        assertThat(registry.get(BatcherMetrics.IMAGES).counter().count()).isEqualTo(2);
        assertThat(registry.get(BatcherMetrics.QUEUE_DEPTH).gauge().value()).isEqualTo(1);

        batcher.shutdown(Duration.ZERO);
        assertThat(waiting).isDone();
        assertThat(registry.getMeters()).isEmpty();
        engine.release();

        DynamicBatcher next = start(2, new BatchingSettings(2, Duration.ZERO, 100, Duration.ofSeconds(10), 1));
        assertThat(submit(next, 6)).succeedsWithin(WAIT);
        assertThat(registry.getMeters()).extracting(Meter::getId)
                .allMatch(id -> "2".equals(id.getTag("version")) && "cnn".equals(id.getTag("model")));
        assertThat(registry.get(BatcherMetrics.IMAGES).tag("version", "2").counter().count()).isEqualTo(1);
    }

    @Test
    void prometheusRendersTheDocumentedNamesWithHistograms() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        DynamicBatcher batcher = create("lasso", 3,
                new BatchingSettings(1, Duration.ZERO, 100, Duration.ofSeconds(10), 1), prometheus, time);
        batchers.add(batcher);
        assertThat(submit(batcher, 1)).succeedsWithin(WAIT);

        String scrape = prometheus.scrape();
        assertThat(scrape).contains(
                "digitserve_inference_requests_seconds_bucket{model=\"lasso\",outcome=\"success\",version=\"3\",le=",
                "digitserve_batch_queue_wait_seconds_bucket{",
                "digitserve_batch_compute_seconds_bucket{",
                "digitserve_batch_size_bucket{",
                "digitserve_batch_queue_depth{model=\"lasso\",version=\"3\"}",
                "digitserve_inference_images_total{model=\"lasso\",version=\"3\"} 1.0",
                "digitserve_inference_rejected_total{model=\"lasso\",reason=\"queue_full\",version=\"3\"} 0.0");

        batcher.shutdown(Duration.ZERO);
        assertThat(prometheus.scrape()).doesNotContain("digitserve_");
    }

    @Test
    void systemClockServesConcurrentSubmittersCorrectly() throws Exception {
        // The real alarm thread and two workers; no test waits on wall-clock time except as an upper bound.
        DynamicBatcher batcher = create("cnn", 9,
                new BatchingSettings(16, Duration.ofMillis(1), 100_000, Duration.ofSeconds(10), 2), registry,
                TimeSource.system());
        batchers.add(batcher);
        int submitters = 4;
        int requestsEach = 200;
        CountDownLatch go = new CountDownLatch(1);
        List<List<CompletableFuture<float[]>>> futures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < submitters; t++) {
            List<CompletableFuture<float[]>> mine = new ArrayList<>();
            futures.add(mine);
            int submitter = t;
            threads.add(new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < requestsEach; k++) {
                    mine.add(submit(batcher, idsOf(submitter, k)));
                }
            }));
        }
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread thread : threads) {
            thread.join(WAIT.toMillis());
        }
        for (int t = 0; t < submitters; t++) {
            for (int k = 0; k < requestsEach; k++) {
                assertThat(futures.get(t).get(k)).succeedsWithin(WAIT).isEqualTo(expected(idsOf(t, k)));
            }
        }
        assertThat(engine.batchSizes()).allMatch(size -> size <= 16);
        assertThat(batcher.queueDepth()).isZero();
        assertThat(batcher.shutdown(WAIT)).isTrue();
    }
}
