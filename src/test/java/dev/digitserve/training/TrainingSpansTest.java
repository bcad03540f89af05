package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

/** A job span with one child per epoch, driven through the listener calls a trainer makes, into the real SDK. */
class TrainingSpansTest {
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    private final OtelTracer tracer = new OtelTracer(provider.get("test"), new OtelCurrentTraceContext(), event -> {
    });
    private final List<TrainingProgress> forwarded = new ArrayList<>();

    @AfterEach
    void close() {
        provider.close();
    }

    private static TrainingJob job() {
        return new TrainingJob("job-1", "cnn", null, JobState.RUNNING, null, Instant.EPOCH, null, null, null, null, null);
    }

    private static TrainingProgress progress(int epoch, Double accuracy) {
        return new TrainingProgress(epoch, 2, epoch * 10L, epoch * 100L, 0.25, 1000, 1, 1, accuracy);
    }

    @Test
    void oneChildSpanPerEpochUnderAJobSpanLinkedToTheSubmittingRequest() {
        Span request = tracer.nextSpan().name("POST /api/v1/training-jobs").start();
        request.end();
        TrainingSpans spansOfJob = TrainingSpans.start(tracer, job(), request.context(), forwarded::add);

        spansOfJob.onEpochStart(1, 2);
        spansOfJob.onProgress(progress(1, null));   // an intermediate report: the epoch goes on
        spansOfJob.onProgress(progress(1, 0.97));   // the epoch's last report
        spansOfJob.onEpochStart(2, 2);
        spansOfJob.onProgress(progress(2, 0.98));
        spansOfJob.end(JobState.SUCCEEDED, null);

        assertThat(forwarded).hasSize(3);
        List<SpanData> all = spans.getFinishedSpanItems();
        SpanData job = all.stream().filter(s -> s.getName().equals(TrainingSpans.JOB_SPAN)).findFirst().orElseThrow();
        List<SpanData> epochs = all.stream().filter(s -> s.getName().equals(TrainingSpans.EPOCH_SPAN)).toList();
        assertThat(job.getParentSpanContext().isValid()).isFalse();
        assertThat(job.getTraceId()).isNotEqualTo(request.context().traceId());
        assertThat(job.getLinks()).extracting(link -> link.getSpanContext().getSpanId())
                .containsExactly(request.context().spanId());
        assertThat(job.getAttributes().get(AttributeKey.stringKey("digitserve.training.state"))).isEqualTo("SUCCEEDED");

        assertThat(epochs).hasSize(2);
        assertThat(epochs).extracting(SpanData::getParentSpanId).containsOnly(job.getSpanId());
        assertThat(epochs).extracting(s -> s.getAttributes().get(AttributeKey.longKey("digitserve.training.epoch")))
                .containsExactly(1L, 2L);
        assertThat(epochs.get(0).getAttributes().get(AttributeKey.doubleKey("digitserve.training.test_accuracy")))
                .isEqualTo(0.97);
        assertThat(epochs.get(1).getStartEpochNanos()).isGreaterThanOrEqualTo(epochs.get(0).getEndEpochNanos());
    }

    @Test
    void aFailureEndsTheOpenEpochAndTheJobAsErrors() {
        TrainingSpans spansOfJob = TrainingSpans.start(tracer, job(), null, forwarded::add);
        spansOfJob.onEpochStart(1, 2);
        spansOfJob.end(JobState.FAILED, new IllegalStateException("out of data"));

        List<SpanData> all = spans.getFinishedSpanItems();
        assertThat(all).hasSize(2);
        assertThat(all).allSatisfy(span -> assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR));
        assertThat(all).filteredOn(s -> s.getName().equals(TrainingSpans.JOB_SPAN)).singleElement()
                .satisfies(span -> assertThat(span.getLinks()).isEmpty());
    }
}
