package dev.digitserve.training;

import io.micrometer.tracing.Link;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;

/**
 * The spans of one training job, through Micrometer Tracing: {@value #JOB_SPAN} for the whole run, the root of a
 * trace of its own (a job outlives the request that queued it by minutes, so it is linked to that request's span
 * rather than made its child), and one {@value #EPOCH_SPAN} child per epoch, from {@link #onEpochStart} to the
 * epoch's final report (which carries the test accuracy), tagged with the epoch, its mean training loss and test
 * accuracy. Trainers that report no epoch starts (the Lasso) get the job span only.
 *
 * <p>A {@link ProgressListener} decorator: it forwards everything to the job's own listener. Used by one training
 * thread only; not thread-safe. With {@link Tracer#NOOP} it records nothing.
 */
final class TrainingSpans implements ProgressListener {
    static final String JOB_SPAN = "digitserve.training.job";
    static final String EPOCH_SPAN = "digitserve.training.epoch";

    private final Tracer tracer;
    private final ProgressListener delegate;
    private final Span job;
    private Span epoch;
    private int epochNumber;

    private TrainingSpans(Tracer tracer, ProgressListener delegate, Span job) {
        this.tracer = tracer;
        this.delegate = delegate;
        this.job = job;
    }

    /** @param submittedFrom the trace context of the request that submitted the job, or null */
    static TrainingSpans start(Tracer tracer, TrainingJob job, TraceContext submittedFrom, ProgressListener delegate) {
        Span.Builder builder = tracer.spanBuilder().name(JOB_SPAN).setNoParent()
                .tag("digitserve.training.job.id", job.id())
                .tag("digitserve.model", job.model());
        if (submittedFrom != null) {
            builder.addLink(new Link(submittedFrom));
        }
        return new TrainingSpans(tracer, delegate, builder.start());
    }

    @Override
    public void onEpochStart(int epochNumber, int epochs) {
        endEpoch(null);
        this.epochNumber = epochNumber;
        epoch = tracer.spanBuilder().name(EPOCH_SPAN).setParent(job.context())
                .tag("digitserve.training.epoch", epochNumber)
                .tag("digitserve.training.epochs", epochs)
                .start();
        delegate.onEpochStart(epochNumber, epochs);
    }

    @Override
    public void onProgress(TrainingProgress progress) {
        if (epoch != null && progress.epoch() == epochNumber && progress.testAccuracy() != null) {
            if (progress.loss() != null) {
                epoch.tag("digitserve.training.loss", progress.loss());
            }
            epoch.tag("digitserve.training.test_accuracy", progress.testAccuracy());
            endEpoch(null);
        }
        delegate.onProgress(progress);
    }

    /** Ends the open epoch (marked with {@code failure} if any) and the job span, tagged with the job's end state. */
    void end(JobState state, Throwable failure) {
        endEpoch(failure);
        job.tag("digitserve.training.state", state.name());
        if (failure != null) {
            job.error(failure);
        }
        job.end();
    }

    private void endEpoch(Throwable failure) {
        if (epoch != null) {
            if (failure != null) {
                epoch.error(failure);
            }
            epoch.end();
            epoch = null;
        }
    }
}
