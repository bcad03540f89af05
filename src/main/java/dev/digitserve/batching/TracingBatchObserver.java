package dev.digitserve.batching;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Link;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;

/**
 * Turns a batcher's reports into spans, through Micrometer Tracing (so whichever bridge Spring Boot configured,
 * OpenTelemetry here, records them):
 * <ul>
 *   <li>{@value #QUEUE_WAIT_SPAN}: one per request, a child of the span that was current when the request was
 *       submitted (the HTTP server span), from submit to the start of the batch holding its first images;
 *       linked to that batch's span.
 *   <li>{@value #BATCH_SPAN}: one per engine call, from just before the call to its end, with a link to the span of
 *       every request it served. Its parent is the first sampled of those requests (so one request's trace holds the
 *       engine call as a child; the others reach it through the links), and it is sampled like that parent.
 * </ul>
 * Both carry {@value #MODEL}, {@value #VERSION} and {@value #BATCH_SIZE}. The current Micrometer observation at
 * submit (the HTTP request's) gets the same three as high-cardinality key values, which end up on the HTTP span and
 * in the access log but never in metric tags.
 *
 * <p>A batch in which no request had a trace context records no span: a batch span would otherwise start a new
 * trace per batch. Thread-safe; timestamps come from {@code clock}, not from the batcher's time source, so spans
 * are right even when a test drives the batcher with a fake clock.
 */
public final class TracingBatchObserver implements BatchObserver {

    public static final String QUEUE_WAIT_SPAN = "digitserve.queue.wait";
    public static final String BATCH_SPAN = "digitserve.batch";
    public static final String MODEL = "digitserve.model";
    public static final String VERSION = "digitserve.version";
    public static final String BATCH_SIZE = "digitserve.batch.size";
    /** Requests (not images) in the batch, on the batch span. */
    public static final String BATCH_REQUESTS = "digitserve.batch.requests";

    private final Tracer tracer;
    private final ObservationRegistry observations;
    private final Clock clock;

    public TracingBatchObserver(Tracer tracer, ObservationRegistry observations, Clock clock) {
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.observations = Objects.requireNonNull(observations, "observations");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private record Submitted(TraceContext trace, Observation observation, long epochNanos) {
    }

    @Override
    public Object submitted() {
        TraceContext trace = tracer.currentTraceContext().context();
        Observation observation = observations.getCurrentObservation();
        if (trace == null && (observation == null || observation.isNoop())) {
            return null;
        }
        return new Submitted(trace, observation, epochNanos());
    }

    @Override
    public Object batchStarted(String model, int version, int images, List<Member> members) {
        long now = epochNanos();
        String versionText = Integer.toString(version);
        String sizeText = Integer.toString(images);

        TraceContext parent = null;
        for (Member member : members) {
            if (member.submitted() instanceof Submitted submitted && submitted.trace() != null
                    && (parent == null || !sampled(parent) && sampled(submitted.trace()))) {
                parent = submitted.trace();
            }
        }
        Span batch = null;
        if (parent != null) {
            Span.Builder builder = tracer.spanBuilder().name(BATCH_SPAN).setParent(parent)
                    .startTimestamp(now, TimeUnit.NANOSECONDS)
                    .tag(MODEL, model).tag(VERSION, versionText).tag(BATCH_SIZE, images)
                    .tag(BATCH_REQUESTS, members.size());
            for (Member member : members) {
                if (member.submitted() instanceof Submitted submitted && submitted.trace() != null) {
                    builder.addLink(new Link(submitted.trace()));
                }
            }
            batch = builder.start();
        }

        for (Member member : members) {
            if (!member.firstSlice() || !(member.submitted() instanceof Submitted submitted)) {
                continue;
            }
            if (submitted.trace() != null) {
                Span.Builder wait = tracer.spanBuilder().name(QUEUE_WAIT_SPAN).setParent(submitted.trace())
                        .startTimestamp(Math.min(submitted.epochNanos(), now), TimeUnit.NANOSECONDS)
                        .tag(MODEL, model).tag(VERSION, versionText).tag(BATCH_SIZE, images);
                if (batch != null) {
                    wait.addLink(new Link(batch));
                }
                wait.start().end(now, TimeUnit.NANOSECONDS);
            }
            Observation observation = submitted.observation();
            if (observation != null && !observation.isNoop()) {
                observation.highCardinalityKeyValue(MODEL, model);
                observation.highCardinalityKeyValue(VERSION, versionText);
                observation.highCardinalityKeyValue(BATCH_SIZE, sizeText);
            }
        }
        return batch;
    }

    @Override
    public void batchFinished(Object batch, Throwable failure) {
        if (batch instanceof Span span) {
            if (failure != null) {
                span.error(failure);
            }
            span.end(epochNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private static boolean sampled(TraceContext context) {
        return Boolean.TRUE.equals(context.sampled());
    }

    private long epochNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
