package dev.digitserve.training;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.digitserve.data.Mnist;
import dev.digitserve.datasets.DatasetService;
import dev.digitserve.datasets.DatasetUsers;
import dev.digitserve.datasets.LabelledImages;
import dev.digitserve.model.ModelRegistry;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;
import dev.digitserve.request.NotFoundException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;

/**
 * Runs training jobs one at a time on a single background thread, with a bounded queue of waiting jobs.
 *
 * <p>Every state change is persisted before it is visible through the API, so job records survive a
 * restart; a job found RUNNING or QUEUED at start-up was interrupted and is marked FAILED. Cancelling
 * a queued job ends it at once; a running one stops before its next iteration and publishes nothing.
 * A successful job's version is published atomically, then the registry is asked to load it: with
 * {@code promote} it becomes the served version; without, the currently served version is pinned first.
 *
 * <p>A fine-tuning job is checked when it is submitted (its dataset exists, its base is a CNN version; a base
 * without a version gets the one served now, recorded in the job) and reads its dataset when it starts. While a
 * job is queued or running its dataset cannot be deleted ({@link DatasetUsers}); a dataset deleted in the instant
 * between the submission's check and the job's registration makes the job fail with a clear reason.
 */
public class TrainingJobService implements AutoCloseable, DatasetUsers {
    private static final Logger log = LoggerFactory.getLogger(TrainingJobService.class);

    private final ModelTraining training;
    private final ModelRegistry registry;
    private final DatasetService datasets;
    private final JobStore store;
    private final TrainingProperties properties;
    private final Clock clock;
    private final Map<String, TrainingJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> cancellations = new ConcurrentHashMap<>();
    private final Tracer tracer;
    /** The trace context each queued job was submitted from, for the link on its job span; removed when it runs. */
    private final Map<String, TraceContext> submittedFrom = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;
    private final Counter recordsRemoved;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "training-job");
        thread.setDaemon(true);
        return thread;
    });

    TrainingJobService(ModelTraining training, ModelRegistry registry, JobStore store, TrainingProperties properties,
                       Clock clock, MeterRegistry meters) {
        this(training, registry, null, store, properties, clock, meters, Tracer.NOOP);
    }

    /**
     * @param datasets where fine-tuning jobs find their data; {@code null} refuses every fine-tuning job
     * @param tracer records a span per job and per epoch (see {@link TrainingSpans}); {@link Tracer#NOOP} for none
     */
    TrainingJobService(ModelTraining training, ModelRegistry registry, DatasetService datasets, JobStore store,
                       TrainingProperties properties, Clock clock, MeterRegistry meters, Tracer tracer) {
        this.tracer = tracer;
        this.training = training;
        this.registry = registry;
        this.datasets = datasets;
        this.store = store;
        this.properties = properties;
        this.clock = clock;
        for (TrainingJob job : store.loadAll()) {
            if (!job.state().isFinal()) {
                job = job.failed(JobState.FAILED, "interrupted: the service stopped while the job was "
                        + job.state().name().toLowerCase(), clock.instant());
                store.save(job);
            }
            jobs.put(job.id(), job);
        }
        this.recordsRemoved = Counter.builder("digitserve.training.jobs.removed")
                .description("Finished training job records deleted by the retention policy").register(meters);
        applyRetention();
        for (JobState state : JobState.values()) {
            Gauge.builder("digitserve.training.jobs", jobs, all -> all.values().stream()
                            .filter(job -> job.state() == state).count())
                    .description("Training jobs by state").tag("state", state.name()).register(meters);
        }
    }

    /** Queues a job; throws {@link TrainingQueueFullException} when too many are waiting. */
    public synchronized TrainingJob submit(TrainingJobRequest request) {
        long waiting = jobs.values().stream().filter(job -> job.state() == JobState.QUEUED).count();
        if (waiting >= properties.maxQueuedJobs()) {
            throw new TrainingQueueFullException(properties.maxQueuedJobs());
        }
        TrainingJobRequest parameters = request.withDefaults();
        if (parameters.isFineTuning()) {
            parameters = checkFineTuning(parameters);
        }
        TrainingJob job = new TrainingJob(UUID.randomUUID().toString(), parameters.model(), parameters,
                JobState.QUEUED, null, clock.instant(), null, null, null, null, null);
        update(job);
        cancellations.put(job.id(), new AtomicBoolean());
        TraceContext caller = tracer.currentTraceContext().context();
        if (caller != null) {
            submittedFrom.put(job.id(), caller);
        }
        runner.execute(() -> run(job.id()));
        return job;
    }

    /** The request with its base version resolved; 400 naming the field when the dataset or base is unusable. */
    private TrainingJobRequest checkFineTuning(TrainingJobRequest parameters) {
        if (datasets == null || datasets.get(parameters.dataset()).isEmpty()) {
            throw invalid("dataset", "no dataset with id '" + parameters.dataset() + "'");
        }
        TrainingJobRequest.Base base = parameters.base();
        int version;
        if (base.version() != null) {
            version = base.version();
        } else {
            version = registry == null ? -1 : registry.servedVersion(base.model()).orElse(-1);
            if (version < 0) {
                throw invalid("base", "model '" + base.model() + "' has no served version; name one in base.version");
            }
        }
        try {
            training.baseCard(base.model(), version);
        } catch (IllegalArgumentException e) {
            throw invalid("base", e.getMessage());
        }
        return parameters.withBase(new TrainingJobRequest.Base(base.model(), version));
    }

    private static InvalidRequestException invalid(String field, String why) {
        return new InvalidRequestException(why, List.of(new FieldError(field, why)));
    }

    /** The queued or running job that trains on the dataset, if any. */
    @Override
    public String userOf(String datasetId) {
        return jobs.values().stream()
                .filter(job -> !job.state().isFinal() && datasetId.equals(job.parameters().dataset()))
                .findFirst().map(job -> "training job " + job.id() + " (" + job.state().name().toLowerCase() + ")")
                .orElse(null);
    }

    public Optional<TrainingJob> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** Newest first. */
    public List<TrainingJob> list(int page, int size) {
        return jobs.values().stream()
                .sorted(Comparator.comparing(TrainingJob::createdAt).reversed().thenComparing(TrainingJob::id))
                .skip((long) page * size).limit(size).toList();
    }

    public int count() {
        return jobs.size();
    }

    /**
     * Asks a job to stop. A queued job is CANCELLED at once; a running one when it reaches its next
     * iteration. Returns the job as it is now, or empty if unknown; a finished job is returned unchanged.
     */
    public synchronized Optional<TrainingJob> cancel(String id) {
        TrainingJob job = jobs.get(id);
        if (job == null || job.state().isFinal()) {
            return Optional.ofNullable(job);
        }
        cancellations.get(id).set(true);
        if (job.state() == JobState.QUEUED) {
            job = job.failed(JobState.CANCELLED, "cancelled before it started", clock.instant());
            update(job);
        }
        return Optional.of(job);
    }

    private void run(String id) {
        TrainingJob job;
        synchronized (this) {
            job = jobs.get(id);
            if (job.state() != JobState.QUEUED) {
                return;
            }
            job = job.withState(JobState.RUNNING, clock.instant());
            update(job);
        }
        AtomicBoolean cancelled = cancellations.get(id);
        TrainingSpans spans = TrainingSpans.start(tracer, job, submittedFrom.remove(id), progress -> progressed(id, progress));
        Throwable failure = null;
        int threadsBefore = Nd4j.getEnvironment().maxThreads();
        try {
            TrainingJobRequest parameters = job.parameters();
            boolean needsMnist = !parameters.isFineTuning() || "mnist".equals(parameters.include());
            if (needsMnist && !Mnist.isPresent(properties.dataDir())) {
                throw new IllegalStateException("the MNIST files are not in " + properties.dataDir()
                        + "; run the build (./mvnw verify) or the train command once to fetch them");
            }
            if (properties.threads() > 0) {
                Nd4j.getEnvironment().setMaxThreads(properties.threads());
            }
            ProgressListener listener = spans;
            ModelTraining.Published published;
            if (parameters.isFineTuning()) {
                LabelledImages dataset;
                try {
                    dataset = datasets.load(parameters.dataset());
                } catch (NotFoundException e) {
                    throw new IllegalStateException("dataset " + parameters.dataset() + " no longer exists");
                }
                published = training.fineTune(parameters.model(), parameters, dataset, listener, cancelled::get);
            } else if ("cnn".equals(parameters.model())) {
                published = training.trainCnn(parameters.model(), parameters.cnnParameters(), listener, cancelled::get);
            } else {
                published = training.trainLasso(parameters.model(), parameters.lassoParameters(), listener, cancelled::get);
            }
            if (!Boolean.TRUE.equals(parameters.promote())) {
                registry.keepServing(parameters.model());
            }
            registry.scan();
            finish(id, current -> current.succeeded(published.version(), published.card().metrics(), clock.instant()));
            log.info("training job {} published {} version {}", id, published.name(), published.version());
        } catch (TrainingCancelledException e) {
            if (shuttingDown) {
                finish(id, current -> current.failed(JobState.FAILED,
                        "interrupted: the service shut down while the job was running", clock.instant()));
            } else {
                finish(id, current -> current.failed(JobState.CANCELLED, "cancelled while running", clock.instant()));
            }
            log.info("training job {} stopped{}", id, shuttingDown ? " by shutdown" : ": cancelled");
        } catch (RuntimeException | java.io.IOException | OutOfMemoryError e) {
            failure = e;
            String reason = e instanceof IllegalStateException || e instanceof IllegalArgumentException
                    ? e.getMessage() : "training failed: " + e.getClass().getSimpleName();
            finish(id, current -> current.failed(JobState.FAILED, reason, clock.instant()));
            log.error("training job {} failed", id, e);
        } finally {
            if (properties.threads() > 0) {
                Nd4j.getEnvironment().setMaxThreads(threadsBefore);
            }
            spans.end(jobs.get(id).state(), failure);
        }
    }

    private void progressed(String id, TrainingProgress progress) {
        TrainingJob job = jobs.get(id).withProgress(progress);
        if (progress.testAccuracy() != null) {
            update(job);
        } else {
            jobs.put(id, job);
        }
    }

    private synchronized void finish(String id, java.util.function.UnaryOperator<TrainingJob> change) {
        update(change.apply(jobs.get(id)));
        applyRetention();
    }

    /** Deletes the records of finished jobs beyond {@code keep-jobs} or older than {@code keep-days}. */
    private synchronized void applyRetention() {
        TrainingProperties.Retention retention = properties.retention();
        if (retention.keepJobs() == null && retention.keepDays() == null) {
            return;
        }
        List<TrainingJob> finished = jobs.values().stream().filter(job -> job.state().isFinal())
                .sorted(Comparator.comparing(TrainingJob::finishedAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                        .reversed())
                .toList();
        Instant cutoff = retention.keepDays() == null ? null
                : clock.instant().minus(Duration.ofDays(retention.keepDays()));
        for (int i = 0; i < finished.size(); i++) {
            TrainingJob job = finished.get(i);
            boolean tooMany = retention.keepJobs() != null && i >= retention.keepJobs();
            boolean tooOld = cutoff != null && (job.finishedAt() == null || job.finishedAt().isBefore(cutoff));
            if (tooMany || tooOld) {
                store.delete(job.id());
                jobs.remove(job.id());
                cancellations.remove(job.id());
                recordsRemoved.increment();
                log.info("deleted the record of training job {} ({}, finished {}): retention", job.id(), job.state(),
                        job.finishedAt());
            }
        }
    }

    private void update(TrainingJob job) {
        store.save(job);
        jobs.put(job.id(), job);
    }

    /** Cancels whatever runs and stops the worker; records of unfinished jobs show them interrupted at the next start. */
    @Override
    public void close() {
        shuttingDown = true;
        cancellations.values().forEach(flag -> flag.set(true));
        runner.shutdown();
        try {
            runner.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
