package dev.digitserve.batching;

import static dev.digitserve.batching.FakeEngine.expected;
import static dev.digitserve.batching.FakeEngine.images;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

/**
 * The batcher's spans, recorded by the real OpenTelemetry SDK through Micrometer's bridge (as in the application)
 * into an in-memory exporter. The batcher runs on the fake clock: batches form because they are full, never because
 * time passed. The "request" spans are Micrometer observations with the tracing handler, as the HTTP server
 * observation is in the application.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TracingBatchObserverTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    private final OtelTracer tracer = new OtelTracer(provider.get("test"), new OtelCurrentTraceContext(), event -> {
    });
    private final ObservationRegistry observations = ObservationRegistry.create();
    private final FakeTimeSource time = new FakeTimeSource();
    private final FakeEngine engine = new FakeEngine();
    private final List<DynamicBatcher> batchers = new ArrayList<>();

    TracingBatchObserverTest() {
        observations.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    }

    @AfterEach
    void stop() {
        engine.release();
        batchers.forEach(batcher -> batcher.shutdown(Duration.ZERO));
        provider.close();
    }

    private DynamicBatcher start(int maxBatchSize) {
        DynamicBatcher batcher = new DynamicBatcher("cnn", 3, engine,
                new BatchingSettings(maxBatchSize, Duration.ofSeconds(1), 100, Duration.ofSeconds(10), 1),
                new SimpleMeterRegistry(), time, new TracingBatchObserver(tracer, observations, Clock.systemUTC()));
        batchers.add(batcher);
        return batcher;
    }

    /** Submits inside a started "request" observation (its span current), as a controller does. */
    private CompletableFuture<float[]> submitIn(Observation request, DynamicBatcher batcher, int... ids) {
        try (Observation.Scope scope = request.openScope()) {
            return batcher.submit(images(ids), ids.length, null);
        }
    }

    private static SpanData named(List<SpanData> all, String name) {
        List<SpanData> matching = all.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(matching).as(name).hasSize(1);
        return matching.get(0);
    }

    private static List<String> linkedSpanIds(SpanData span) {
        return span.getLinks().stream().map(LinkData::getSpanContext).map(c -> c.getSpanId()).toList();
    }

    @Test
    void oneBatchServingTwoRequestsIsLinkedToBothAndEachRequestGetsItsQueueWait() throws InterruptedException {
        DynamicBatcher batcher = start(3);
        // an untraced request holds the engine, so that the next two queue up and share one batch
        engine.block();
        CompletableFuture<float[]> busy = batcher.submit(images(9), 1, null);
        assertThat(engine.entered.poll(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(1);
        Observation first = Observation.start("first", observations);
        Observation second = Observation.start("second", observations);

        CompletableFuture<float[]> a = submitIn(first, batcher, 1);
        CompletableFuture<float[]> b = submitIn(second, batcher, 2, 3); // fills the next batch
        engine.release();
        assertThat(busy).succeedsWithin(WAIT);
        assertThat(a).succeedsWithin(WAIT).isEqualTo(expected(1));
        assertThat(b).succeedsWithin(WAIT).isEqualTo(expected(2, 3));
        first.stop();
        second.stop();

        List<SpanData> all = spans.getFinishedSpanItems();
        SpanData firstSpan = named(all, "first");
        SpanData secondSpan = named(all, "second");
        SpanData batch = named(all, TracingBatchObserver.BATCH_SPAN);
        List<SpanData> waits = all.stream().filter(s -> s.getName().equals(TracingBatchObserver.QUEUE_WAIT_SPAN))
                .toList();
        assertThat(all).hasSize(5);

        // the batch: a child of the first request, linked to both, with the engine call's size
        assertThat(batch.getParentSpanId()).isEqualTo(firstSpan.getSpanId());
        assertThat(batch.getTraceId()).isEqualTo(firstSpan.getTraceId());
        assertThat(linkedSpanIds(batch)).containsExactly(firstSpan.getSpanId(), secondSpan.getSpanId());
        assertThat(batch.getAttributes().get(AttributeKey.stringKey(TracingBatchObserver.MODEL))).isEqualTo("cnn");
        assertThat(batch.getAttributes().get(AttributeKey.stringKey(TracingBatchObserver.VERSION))).isEqualTo("3");
        assertThat(batch.getAttributes().get(AttributeKey.longKey(TracingBatchObserver.BATCH_SIZE))).isEqualTo(3L);
        assertThat(batch.getAttributes().get(AttributeKey.longKey(TracingBatchObserver.BATCH_REQUESTS))).isEqualTo(2L);
        assertThat(batch.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);

        // one queue wait per request, in that request's trace, ending where the batch starts and linked to it
        assertThat(waits).hasSize(2);
        assertThat(waits).extracting(SpanData::getParentSpanId)
                .containsExactlyInAnyOrder(firstSpan.getSpanId(), secondSpan.getSpanId());
        for (SpanData wait : waits) {
            SpanData request = wait.getParentSpanId().equals(firstSpan.getSpanId()) ? firstSpan : secondSpan;
            assertThat(wait.getTraceId()).isEqualTo(request.getTraceId());
            assertThat(wait.getStartEpochNanos()).isGreaterThanOrEqualTo(request.getStartEpochNanos());
            assertThat(wait.getEndEpochNanos()).isEqualTo(batch.getStartEpochNanos());
            assertThat(linkedSpanIds(wait)).containsExactly(batch.getSpanId());
        }
        assertThat(batch.getEndEpochNanos()).isGreaterThanOrEqualTo(batch.getStartEpochNanos());

        // the request spans carry what the batcher reported (Micrometer high-cardinality values become attributes)
        for (SpanData request : List.of(firstSpan, secondSpan)) {
            assertThat(request.getAttributes().get(AttributeKey.stringKey(TracingBatchObserver.MODEL))).isEqualTo("cnn");
            assertThat(request.getAttributes().get(AttributeKey.stringKey(TracingBatchObserver.BATCH_SIZE)))
                    .isEqualTo("3");
        }
        assertThat(first.getContext().getHighCardinalityKeyValue(TracingBatchObserver.VERSION).getValue())
                .isEqualTo("3");
    }

    @Test
    void aRequestSplitAcrossBatchesWaitsOnceAndIsLinkedFromEveryBatch() {
        DynamicBatcher batcher = start(2);
        Observation request = Observation.start("request", observations);
        CompletableFuture<float[]> answer = submitIn(request, batcher, 1, 2, 3, 4);
        assertThat(answer).succeedsWithin(WAIT).isEqualTo(expected(1, 2, 3, 4));
        request.stop();

        List<SpanData> all = spans.getFinishedSpanItems();
        SpanData requestSpan = named(all, "request");
        List<SpanData> batches = all.stream().filter(s -> s.getName().equals(TracingBatchObserver.BATCH_SPAN)).toList();
        assertThat(batches).hasSize(2);
        for (SpanData batch : batches) {
            assertThat(batch.getParentSpanId()).isEqualTo(requestSpan.getSpanId());
            assertThat(linkedSpanIds(batch)).containsExactly(requestSpan.getSpanId());
        }
        assertThat(named(all, TracingBatchObserver.QUEUE_WAIT_SPAN).getParentSpanId()).isEqualTo(requestSpan.getSpanId());
    }

    @Test
    void anEngineFailureMarksTheBatchSpan() {
        DynamicBatcher batcher = start(1);
        engine.failOn(5);
        Observation request = Observation.start("request", observations);
        CompletableFuture<float[]> answer = submitIn(request, batcher, 5);
        assertThat(answer).failsWithin(WAIT);
        request.stop();

        SpanData batch = named(spans.getFinishedSpanItems(), TracingBatchObserver.BATCH_SPAN);
        assertThat(batch.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(batch.getEvents()).anySatisfy(event -> assertThat(event.getName()).isEqualTo("exception"));
    }

    @Test
    void requestsWithoutATraceLeaveNoSpans() {
        DynamicBatcher batcher = start(1);
        assertThat(batcher.submit(images(7), 1, null)).succeedsWithin(WAIT).isEqualTo(expected(7));
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }
}
