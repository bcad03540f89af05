package dev.digitserve.batching;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.digitserve.batching.BatcherMetrics.Outcome;
import dev.digitserve.batching.BatchingException.Reason;
import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A dynamic batcher in front of one {@link InferenceEngine} (one model version): it queues prediction requests and
 * lets worker threads merge them into as few engine calls as possible.
 *
 * <p>What a caller can rely on:
 * <ul>
 *   <li><b>Blocking.</b> {@link #submit} never waits for room, for a batch or for the engine: it enqueues the
 *       request, or refuses it, and returns a future. (It takes the queue lock briefly; workers never hold that
 *       lock while copying pixels or calling the engine.) Refusals and every later failure arrive as that future
 *       failing with a {@link BatchingException}; only malformed arguments throw (IllegalArgumentException,
 *       NullPointerException).
 *   <li><b>Batch formation.</b> A worker takes the oldest waiting request and claims, in one engine call, up to
 *       {@code maxBatchSize} of the images waiting. It claims at once when the engine is idle (no batch of this
 *       batcher is running): waiting then cannot bring company sooner than it costs, so a lone request on an
 *       idle engine never waits, and batches form from what arrives while a batch runs. Only while another
 *       batch is running does a partly filled batch wait for company, until it holds {@code maxBatchSize}
 *       images, {@code maxQueueDelay} has passed since its oldest request was enqueued, or the running batches
 *       end, whichever comes first. (So with one worker a batch never waits: the worker is the only one that
 *       runs batches, and it claims what arrived during the previous one.) A request larger than the room left
 *       in the batch is split across consecutive batches; its future still completes once, with all its rows.
 *       With {@code maxBatchSize} 1 every image runs alone, without waiting.
 *   <li><b>Ordering.</b> Requests enter batches in the order their {@code submit} calls were accepted (FIFO), and a
 *       result holds {@code count * 10} floats whose row i belongs to image i of that request. With one worker,
 *       batches also run and complete in that order; with several, batches may overlap and requests in
 *       different batches may complete out of order.
 *   <li><b>Embeddings.</b> Requests submitted with {@link #submitWithEmbeddings} join the same queue and batches;
 *       a batch holding at least one of them is computed by one {@link InferenceEngine#predictWithEmbeddings} call
 *       (class outputs and embeddings of one forward pass), any other batch by {@link InferenceEngine#predict}.
 *   <li><b>Queue full.</b> When the images waiting plus the request's images would exceed {@code queueCapacity},
 *       the request is refused at once with {@link BatchingException} of reason {@code QUEUE_FULL}, whose {@code retryAfterSeconds} (at
 *       least 1, at most the request timeout) estimates how long the queue needs to drain at the measured
 *       engine throughput. Nothing of a refused request is enqueued.
 *   <li><b>Deadline.</b> Each request has a deadline: the smaller of the caller's timeout and
 *       {@code requestTimeout}, counted from {@code submit}. When it passes before the answer is ready, the
 *       future fails with reason {@code DEADLINE} at that moment, wherever the request is: its queued
 *       images are dropped and never reach the engine; if a batch holding part of it is already running, that
 *       batch's rows for it are discarded.
 *   <li><b>Engine failure.</b> If the engine throws, every request with images in that batch fails with
 *       reason {@code ENGINE_FAILED} (the cause is the engine's exception, logged once), including the rest
 *       of a split request; other batches are unaffected and the worker goes on with the next batch.
 *   <li><b>Cancellation.</b> Cancelling a returned future withdraws the request's images still waiting.
 *   <li><b>Shutdown.</b> {@link #shutdown} (and {@link #close}) stops accepting: later submits fail with
 *       reason {@code SHUTDOWN}. Queued work is still computed, without waiting for batches to fill, until
 *       the grace period ends; then every unanswered request fails with reason {@code SHUTDOWN}, the
 *       workers stop and the batcher's meters leave the registry. It is idempotent. It does not close the engine,
 *       and an engine call already running is never interrupted: the owner closes the engine only once
 *       {@link #shutdown} has returned {@code true}.
 *   <li><b>Threads.</b> All methods are thread-safe. A batcher either owns its workers' threads
 *       ({@code batcher-<model>-v<version>-<n>}, one per worker, for its whole life) or, when built with a
 *       {@link BatcherPool}, borrows a pool thread for a worker only while the worker has requests to form into
 *       batches: a worker that finds the queue empty gives its thread back, the next {@code submit} hands it to
 *       the pool again, and an idle pooled batcher holds no thread. Everything above holds in both modes (a
 *       pooled worker waiting for company keeps its thread for at most {@code maxQueueDelay}, which only happens
 *       with more than one worker). Futures complete on a worker's thread or, for deadlines, on the time
 *       source's alarm thread, so stages attached without an executor run there and must stay short (hand heavy
 *       work to an executor).
 *   <li><b>Memory.</b> The batcher reads {@code pixels} until the future completes and never writes it (a request
 *       that forms a batch alone is handed to the engine as is, which copies it); the caller must not modify it
 *       meanwhile. The result array belongs to the caller.
 * </ul>
 */
public final class DynamicBatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);

    private static final int IN = Images.PIXELS;

    /** Images per second assumed for Retry-After before any batch has been measured: a modest CPU CNN. */
    static final double DEFAULT_THROUGHPUT = 1000.0;
    /** Weight of the newest batch in the throughput average: adapts within a few batches, smooths out one outlier. */
    private static final double THROUGHPUT_WEIGHT = 0.2;
    /** Keeps every deadline far enough from now that nanoTime differences cannot overflow. */
    private static final long MAX_NANOS = 1L << 62;

    private final String model;
    private final int version;
    private final InferenceEngine engine;
    /** Outputs per image, the engine's {@link InferenceEngine#classes()}. */
    private final int out;
    /** Embedding floats per image, the engine's {@link InferenceEngine#embeddingSize()}; 0 when it has none. */
    private final int embeddingSize;
    private final BatchingSettings settings;
    private final TimeSource time;
    private final BatcherMetrics metrics;
    /** Tracing hooks; {@link BatchObserver#NONE} unless the application wires one in. */
    private final BatchObserver observer;
    /** Where workers borrow threads; null when each worker owns one. */
    private final BatcherPool pool;
    private final int maxBatchSize;
    private final long maxQueueDelayNanos;
    private final long requestTimeoutNanos;
    private final long maxRetryAfterSeconds;

    private final ReentrantLock lock = new ReentrantLock();
    /** Wakes the worker that is forming a batch: images arrived, its batch window closed, or shutdown began. */
    private final Condition formerWake = lock.newCondition();
    /** Wakes a worker waiting to become the one that forms the next batch. */
    private final Condition formingFree = lock.newCondition();
    /** Wakes {@link #shutdown} when a worker stops or the grace period ends. */
    private final Condition workerStopped = lock.newCondition();

    // Guarded by lock.
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    /** Only one worker forms a batch at a time, so that two never wait for company on the same oldest request. */
    private boolean forming;
    /** Batches claimed and not yet answered: while it is 0 the engine is idle and waiting for company cannot pay. */
    private int running;
    private boolean closed;
    /** Workers that hold a thread or (pooled) wait in the pool for one; a parked pooled worker is not live. */
    private int liveWorkers;
    private TimeSource.Alarm windowAlarm;
    private long windowAlarmAt;
    private final List<Worker> workers = new ArrayList<>();

    /** Images waiting (not yet in a batch, not dropped). Written under lock, read without it by metrics and callers. */
    private volatile int queuedImages;
    /** Exponentially weighted images/s of recent batches, as double bits; NaN until the first measurement. */
    private final AtomicLong throughputBits = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
    private final AtomicBoolean metersRemoved = new AtomicBoolean();

    public DynamicBatcher(String model, int version, InferenceEngine engine, BatchingSettings settings,
                          MeterRegistry registry, TimeSource time) {
        this(model, version, engine, settings, registry, time, BatchObserver.NONE);
    }

    /** A batcher that reports each request's queue wait and batch to {@code observer} (see its contract). */
    public DynamicBatcher(String model, int version, InferenceEngine engine, BatchingSettings settings,
                          MeterRegistry registry, TimeSource time, BatchObserver observer) {
        this(model, version, engine, settings, registry, time, observer, null, true);
    }

    /**
     * A batcher whose workers borrow threads from {@code pool} (or own them, when it is null), with histogram
     * buckets on its timers and batch-size summary only when {@code histograms} (a thousand models must not mean a
     * hundred thousand time series).
     */
    public DynamicBatcher(String model, int version, InferenceEngine engine, BatchingSettings settings,
                          MeterRegistry registry, TimeSource time, BatchObserver observer, BatcherPool pool,
                          boolean histograms) {
        this.observer = Objects.requireNonNull(observer, "observer");
        this.pool = pool;
        this.model = Objects.requireNonNull(model, "model");
        this.version = version;
        this.engine = Objects.requireNonNull(engine, "engine");
        this.out = engine.classes();
        this.embeddingSize = engine.embeddingSize();
        this.settings = Objects.requireNonNull(settings, "settings");
        this.time = Objects.requireNonNull(time, "time");
        Objects.requireNonNull(registry, "registry");
        this.maxBatchSize = settings.maxBatchSize();
        this.maxQueueDelayNanos = nanos(settings.maxQueueDelay());
        this.requestTimeoutNanos = nanos(settings.requestTimeout());
        this.maxRetryAfterSeconds = Math.max(1, (requestTimeoutNanos + 999_999_999L) / 1_000_000_000L);
        this.metrics = new BatcherMetrics(registry, model, version, settings, histograms, this,
                DynamicBatcher::queueDepth);

        lock.lock();
        try {
            for (int n = 1; n <= settings.workers(); n++) {
                Worker worker = new Worker("batcher-" + model + "-v" + version + "-" + n);
                workers.add(worker);
                if (pool == null) {
                    liveWorkers++;
                    worker.thread.start();
                } else {
                    worker.parked = true; // until the first submit
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** A batcher on the system clock. */
    public DynamicBatcher(String model, int version, InferenceEngine engine, BatchingSettings settings,
                          MeterRegistry registry) {
        this(model, version, engine, settings, registry, TimeSource.system());
    }

    /**
     * Queues {@code count} images ({@code count * 784} floats, row-major) for prediction.
     *
     * @param timeout the caller's own limit, or null for none; the effective deadline is the smaller of it and
     *                the request timeout. Zero or negative means already expired.
     * @return a future of {@code count * 10} floats, row i for image i; see the class contract for its failures
     */
    public CompletableFuture<float[]> submit(float[] pixels, int count, Duration timeout) {
        return enqueue(pixels, count, timeout, false);
    }

    /**
     * As {@link #submit}, answered with the embeddings too: {@code count * }{@link InferenceEngine#embeddingSize()}
     * floats, row i for image i, computed in the same engine call as the class outputs
     * ({@link InferenceEngine#predictWithEmbeddings}). Such requests batch with plain ones: a batch holding any of
     * them runs through {@code predictWithEmbeddings}, one without through the cheaper {@code predict}. Cancelling
     * the returned future withdraws the request, as for {@link #submit}.
     *
     * @throws IllegalArgumentException also when the engine has no embedding (callers check that first and tell
     *                                  their client why)
     */
    public CompletableFuture<InferenceEngine.Outputs> submitWithEmbeddings(float[] pixels, int count, Duration timeout) {
        if (embeddingSize == 0) {
            throw new IllegalArgumentException(model + " v" + version + " has no embedding");
        }
        Request request = enqueue(pixels, count, timeout, true);
        CompletableFuture<InferenceEngine.Outputs> outputs =
                request.thenApply(classes -> new InferenceEngine.Outputs(classes, request.embeddings));
        outputs.whenComplete((result, error) -> {
            if (outputs.isCancelled()) {
                request.cancel(false);
            }
        });
        return outputs;
    }

    private Request enqueue(float[] pixels, int count, Duration timeout, boolean withEmbeddings) {
        Objects.requireNonNull(pixels, "pixels");
        if (count < 1 || pixels.length != (long) count * IN) {
            throw new IllegalArgumentException("expected count >= 1 and count * " + IN + " pixels, got count "
                    + count + " and " + pixels.length + " pixels");
        }
        long now = time.nanoTime();
        long timeoutNanos = timeout == null ? requestTimeoutNanos : Math.min(nanos(timeout), requestTimeoutNanos);
        Request request = new Request(pixels, count, out, withEmbeddings ? embeddingSize : 0, now, now + timeoutNanos);
        if (timeoutNanos <= 0) {
            fail(request, deadlineExceeded(request), Outcome.EXPIRED, Reason.DEADLINE, now);
            return request;
        }
        // Taken here, on the caller's thread, where its trace context is current; published to the workers by
        // the enqueue below (under the lock).
        request.submitted = observer.submitted();

        BatchingException refusal = null;
        Reason reason = null;
        Worker toSchedule = null;
        lock.lock();
        try {
            int depth = queuedImages;
            if (closed) {
                refusal = new BatchingException(Reason.SHUTDOWN, model + " v" + version + " is shutting down", 1);
                reason = Reason.SHUTDOWN;
            } else if ((long) depth + count > settings.queueCapacity()) {
                refusal = new BatchingException(Reason.QUEUE_FULL, model + " v" + version + " has " + depth + " of "
                        + settings.queueCapacity() + " images queued; " + count + " more do not fit",
                        retryAfterSeconds(depth));
                reason = Reason.QUEUE_FULL;
            } else {
                queue.addLast(request);
                queuedImages = depth + count;
                formerWake.signal();
                if (pool != null && !forming) {
                    // Nobody is forming a batch: every live worker is running one (it comes back for the queue)
                    // or waits in the pool. A parked worker must be handed a thread, exactly as an owned one
                    // would wake up here.
                    toSchedule = unpark();
                }
            }
        } finally {
            lock.unlock();
        }
        if (refusal != null) {
            fail(request, refusal, Outcome.REJECTED, reason, now);
            return request;
        }
        if (toSchedule != null) {
            schedule(toSchedule);
        }

        // Armed after enqueueing so that an alarm firing at once finds the request where it can be withdrawn.
        TimeSource.Alarm alarm = time.schedule(request.deadline, () -> expire(request));
        request.alarm = alarm;
        if (request.isFinished()) {
            alarm.cancel(); // answered before the alarm was visible to the worker that answered it
        }
        return request;
    }

    /** Images waiting for a batch, excluding those already in a running batch. */
    public int queueDepth() {
        return queuedImages;
    }

    public String model() {
        return model;
    }

    public int version() {
        return version;
    }

    public BatchingSettings settings() {
        return settings;
    }

    /** True once shutdown has begun: new requests are refused. */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** {@link #shutdown} with the request timeout as grace: no queued request could outlive it anyway. */
    @Override
    public void close() {
        shutdown(settings.requestTimeout());
    }

    /**
     * Stops accepting requests, lets the workers compute what is queued for up to {@code grace}, then fails what
     * is left (reason {@code SHUTDOWN}) and removes the meters. Blocks until the workers have stopped or
     * the grace period (on the batcher's time source) has ended. Idempotent; safe to call concurrently.
     *
     * @return true if every worker has stopped, so the engine is no longer in use and may be closed; false if an
     *         engine call was still running when the grace period ended
     */
    public boolean shutdown(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        List<Request> abandoned = new ArrayList<>();
        boolean stopped;
        lock.lock();
        try {
            closed = true;
            formerWake.signalAll();
            formingFree.signalAll();
            long graceEnd = time.nanoTime() + nanos(grace);
            TimeSource.Alarm graceAlarm = null;
            boolean interrupted = false;
            while (liveWorkers > 0 && time.nanoTime() - graceEnd < 0 && !interrupted && !isWorkerThread()) {
                if (graceAlarm == null) {
                    graceAlarm = time.schedule(graceEnd, this::wakeShutdown);
                    continue; // the alarm may have run already, on this thread: look at the clock again first
                }
                try {
                    workerStopped.await();
                } catch (InterruptedException e) {
                    interrupted = true; // treat as the end of the grace period, and keep the interrupt for the caller
                    Thread.currentThread().interrupt();
                }
            }
            if (graceAlarm != null) {
                graceAlarm.cancel();
            }
            abandoned.addAll(queue);
            for (Request request : queue) {
                discard(request);
            }
            queue.clear();
            for (Worker worker : workers) {
                for (int i = 0; i < worker.slices; i++) {
                    abandoned.add(worker.sliceRequest[i]); // running batches: their answers come too late
                }
            }
            stopped = liveWorkers == 0;
        } finally {
            lock.unlock();
        }
        long now = time.nanoTime();
        for (Request request : abandoned) {
            fail(request, new BatchingException(Reason.SHUTDOWN, model + " v" + version + " shut down before answering", 1),
                    Outcome.REJECTED, Reason.SHUTDOWN, now);
        }
        if (metersRemoved.compareAndSet(false, true)) {
            metrics.remove();
        }
        return stopped;
    }

    private void wakeShutdown() {
        lock.lock();
        try {
            workerStopped.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A completion stage running on a worker that closes the batcher must not wait for that worker to stop. */
    private boolean isWorkerThread() {
        Thread current = Thread.currentThread();
        for (Worker worker : workers) {
            if (worker.thread == current || worker.borrowed == current) {
                return true;
            }
        }
        return false;
    }

    /** A parked pooled worker, now counted live and scheduled (lock held); null if none is parked. */
    private Worker unpark() {
        for (Worker worker : workers) {
            if (worker.parked) {
                worker.parked = false;
                liveWorkers++;
                return worker;
            }
        }
        return null;
    }

    /** Hands a pooled worker to the pool (no lock held). */
    private void schedule(Worker worker) {
        try {
            pool.execute(worker);
        } catch (RejectedExecutionException e) {
            // The pool is shutting down with the application: what is queued ends at its deadline or at shutdown.
            lock.lock();
            try {
                worker.parked = true;
                liveWorkers--;
                workerStopped.signalAll();
            } finally {
                lock.unlock();
            }
            log.warn("{} v{}: the batcher pool refused work; it is shutting down", model, version);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Workers

    /**
     * One worker with its reusable batch buffer; slice arrays are written under the lock. It owns a thread, or
     * (pooled) runs as a task on a borrowed one.
     */
    private final class Worker implements Runnable {
        /** The owned thread; null when pooled. */
        final Thread thread;
        /** The pool thread running this worker now (pooled only), so that shutdown from it does not wait for it. */
        volatile Thread borrowed;
        /** lock: pooled and without a thread; the next submit schedules it. */
        boolean parked;
        /**
         * Allocated by the first full batch that needs a copy; a pooled worker drops it when it parks, so an idle
         * version of a many-model service holds none.
         */
        float[] fullBatch;
        final Request[] sliceRequest = new Request[maxBatchSize];
        final int[] sliceStart = new int[maxBatchSize];
        final int[] sliceLength = new int[maxBatchSize];
        /** Slices of the batch being computed; read by shutdown under the lock to fail them after the grace. */
        int slices;
        long batchFormedAt;
        /** lock: this worker's last claimed batch still counts in {@code running}. */
        boolean counted;
        final List<Request> expired = new ArrayList<>();

        final String name;

        Worker(String name) {
            this.name = name;
            if (pool == null) {
                thread = new Thread(this, name);
                // A wedged engine call must not keep the JVM alive after the application has shut down.
                thread.setDaemon(true);
            } else {
                thread = null;
            }
        }

        @Override
        public void run() {
            if (pool != null) {
                borrowed = Thread.currentThread();
            }
            // What ends this run: STOP (shutdown, or a failure) gives up the worker's liveness here; PARK has
            // already done so under the lock; YIELD stays live and queues the worker in the pool again.
            int end = STOP;
            try {
                while (true) {
                    int images;
                    lock.lock();
                    try {
                        slices = 0;
                        images = formBatch(this);
                        if (images == PARK) {
                            parked = true;
                            liveWorkers--;
                            workerStopped.signalAll();
                            // a thousand idle versions must not each keep a full batch's buffer
                            fullBatch = null;
                        }
                    } finally {
                        lock.unlock();
                    }
                    failExpired(this);
                    if (images < 0) {
                        end = images;
                        return;
                    }
                    if (images > 0) {
                        runBatch(this, images);
                        if (pool != null && pool.hasWaitingWork()) {
                            // other batchers wait for a thread: let them run, then come back for the rest
                            lock.lock();
                            try {
                                batchEnded(this);
                            } finally {
                                lock.unlock();
                            }
                            end = YIELD;
                            return;
                        }
                    }
                }
            } catch (InterruptedException e) {
                log.warn("Batcher worker {} interrupted; stopping it", name);
            } catch (RuntimeException | Error e) {
                // A bug, not an engine failure (those are caught per batch): say so loudly, since the queue now
                // drains only through deadlines if this was the last worker.
                log.error("Batcher worker {} died", name, e);
                throw e;
            } finally {
                borrowed = null;
                if (end == YIELD) {
                    schedule(this);
                } else if (end == STOP) {
                    lock.lock();
                    try {
                        liveWorkers--;
                        // a pooled worker that failed may be scheduled again by the next submit
                        parked = pool != null && !closed;
                        workerStopped.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            }
        }
    }

    private static final int STOP = -1;
    private static final int PARK = -2;
    private static final int YIELD = -3;

    /** The worker's last claimed batch has ended (lock held): the engine may now be idle. */
    private void batchEnded(Worker worker) {
        if (worker.counted) {
            worker.counted = false;
            running--;
            formerWake.signal(); // a former waiting for company while this batch ran may now find the engine idle
        }
    }

    /**
     * Waits (lock held) until this worker may form a batch and the batch is ready, then claims its images.
     *
     * @return images in the batch; 0 when there are only expired requests to fail first; {@code STOP} when the
     *         worker should stop; {@code PARK} when a pooled worker should give its thread back (nothing queued)
     */
    private int formBatch(Worker worker) throws InterruptedException {
        batchEnded(worker);
        while (forming) {
            formingFree.await();
        }
        forming = true;
        try {
            while (true) {
                long now = time.nanoTime();
                Request oldest = liveHead(now, worker);
                if (!worker.expired.isEmpty()) {
                    return 0; // fail them now, outside the lock, rather than after the next wait
                }
                if (oldest == null) {
                    if (closed) {
                        return STOP;
                    }
                    if (pool != null) {
                        return PARK; // the next submit schedules a parked worker: no thread waits for work
                    }
                    formerWake.await();
                    continue;
                }
                long windowEnd = oldest.enqueuedAt + maxQueueDelayNanos;
                if (running == 0 || queuedImages >= maxBatchSize || closed || now - windowEnd >= 0) {
                    int images = claimBatch(worker, now);
                    if (images > 0) {
                        running++;
                        worker.counted = true;
                        return images;
                    }
                    continue;
                }
                if (windowAlarm == null || windowAlarmAt != windowEnd) {
                    armWindowAlarm(windowEnd);
                    continue; // the alarm may have run already, on this thread: look at the clock again first
                }
                formerWake.await();
            }
        } finally {
            forming = false;
            if (windowAlarm != null) {
                windowAlarm.cancel();
                windowAlarm = null;
            }
            formingFree.signal();
        }
    }

    private void armWindowAlarm(long windowEnd) {
        if (windowAlarm != null) {
            windowAlarm.cancel();
        }
        windowAlarmAt = windowEnd;
        windowAlarm = time.schedule(windowEnd, this::wakeFormer);
    }

    private void wakeFormer() {
        lock.lock();
        try {
            formerWake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The oldest request that still wants an answer (lock held), dropping answered and expired ones on the way. */
    private Request liveHead(long now, Worker worker) {
        Request head;
        while ((head = queue.peekFirst()) != null) {
            if (head.discarded || head.isFinished()) {
                discard(head);
                queue.pollFirst();
            } else if (now - head.deadline >= 0) {
                discard(head);
                queue.pollFirst();
                worker.expired.add(head);
            } else {
                return head;
            }
        }
        return null;
    }

    /** Moves up to maxBatchSize images from the queue into the worker's slices (lock held). */
    private int claimBatch(Worker worker, long now) {
        int images = 0;
        int slices = 0;
        Request request;
        while (images < maxBatchSize && (request = liveHead(now, worker)) != null) {
            int length = Math.min(request.count - request.taken, maxBatchSize - images);
            worker.sliceRequest[slices] = request;
            worker.sliceStart[slices] = request.taken;
            worker.sliceLength[slices] = length;
            slices++;
            request.taken += length;
            images += length;
            queuedImages -= length;
            if (request.taken == request.count) {
                queue.pollFirst();
            }
        }
        worker.slices = slices;
        worker.batchFormedAt = now;
        return images;
    }

    /** Copies the claimed images, calls the engine and answers (no lock held). */
    private void runBatch(Worker worker, int images) {
        int slices = worker.slices;
        for (int i = 0; i < slices; i++) {
            if (worker.sliceStart[i] == 0) {
                long waited = worker.batchFormedAt - worker.sliceRequest[i].enqueuedAt;
                metrics.queueWait.record(waited, TimeUnit.NANOSECONDS);
            }
        }

        float[] input;
        Request first = worker.sliceRequest[0];
        if (slices == 1 && worker.sliceLength[0] == first.count) {
            input = first.pixels; // the whole batch is one request: no copy (the engine never writes its input)
        } else {
            // The engines require an array of exactly images * 784 floats, so only a full batch reuses the buffer.
            if (images == maxBatchSize && worker.fullBatch == null) {
                worker.fullBatch = new float[maxBatchSize * IN];
            }
            input = images == maxBatchSize ? worker.fullBatch : new float[images * IN];
            int offset = 0;
            for (int i = 0; i < slices; i++) {
                int length = worker.sliceLength[i] * IN;
                System.arraycopy(worker.sliceRequest[i].pixels, worker.sliceStart[i] * IN, input, offset, length);
                offset += length;
            }
        }

        Object observed = observer == BatchObserver.NONE ? null : observer.batchStarted(model, version, images,
                members(worker));
        boolean withEmbeddings = false;
        for (int i = 0; i < slices && !withEmbeddings; i++) {
            withEmbeddings = worker.sliceRequest[i].embeddings != null;
        }
        long start = time.nanoTime();
        float[] output = null;
        float[] embeddings = null;
        Throwable failure = null;
        try {
            if (withEmbeddings) {
                // one forward pass for the whole batch: the plain requests in it get their class outputs from it too
                InferenceEngine.Outputs outputs = engine.predictWithEmbeddings(input, images);
                output = outputs.classes();
                embeddings = outputs.embeddings();
                if (embeddings == null || embeddings.length != images * embeddingSize) {
                    throw new IllegalStateException("engine returned " + (embeddings == null ? "no" : embeddings.length)
                            + " embedding floats for " + images + " images, expected " + images * embeddingSize);
                }
            } else {
                output = engine.predict(input, images);
            }
            if (output == null || output.length != images * out) {
                throw new IllegalStateException("engine returned " + (output == null ? "null" : output.length
                        + " floats") + " for " + images + " images, expected " + images * out);
            }
        } catch (Throwable t) { // anything, Errors included: the worker must survive to serve the next batch
            failure = t;
        }
        long end = time.nanoTime();
        observer.batchFinished(observed, failure); // before any future completes: the trace ends before the answer
        metrics.compute.record(end - start, TimeUnit.NANOSECONDS);
        metrics.batchSize.record(images);

        if (failure == null) {
            metrics.images.increment(images);
            recordThroughput(images, end - start);
            int offset = 0;
            for (int i = 0; i < slices; i++) {
                Request request = worker.sliceRequest[i];
                int length = worker.sliceLength[i];
                if (!request.isFinished()) {
                    System.arraycopy(output, offset * out, request.output, worker.sliceStart[i] * out, length * out);
                    if (request.embeddings != null) {
                        System.arraycopy(embeddings, offset * embeddingSize, request.embeddings,
                                worker.sliceStart[i] * embeddingSize, length * embeddingSize);
                    }
                    // The last slice of a split request to arrive completes it; the atomic add orders the copies
                    // made by other workers before it.
                    if (Request.ANSWERED.addAndGet(request, length) == request.count) {
                        succeed(request, end);
                    }
                }
                offset += length;
            }
        } else {
            log.warn("{} v{}: engine failed on a batch of {} images ({} requests): {}",
                    model, version, images, slices, failure.toString());
            lock.lock();
            try {
                for (int i = 0; i < slices; i++) {
                    discard(worker.sliceRequest[i]); // the rest of a split request is not worth computing
                }
            } finally {
                lock.unlock();
            }
            for (int i = 0; i < slices; i++) {
                fail(worker.sliceRequest[i], BatchingException.engineFailed(
                        model + " v" + version + " failed on a batch of " + images + " images", failure),
                        Outcome.FAILED, null, end);
            }
        }
    }

    private static List<BatchObserver.Member> members(Worker worker) {
        List<BatchObserver.Member> members = new ArrayList<>(worker.slices);
        for (int i = 0; i < worker.slices; i++) {
            members.add(new BatchObserver.Member(worker.sliceRequest[i].submitted, worker.sliceLength[i],
                    worker.sliceStart[i] == 0));
        }
        return members;
    }

    private void failExpired(Worker worker) {
        if (worker.expired.isEmpty()) {
            return;
        }
        long now = time.nanoTime();
        for (Request request : worker.expired) {
            fail(request, deadlineExceeded(request), Outcome.EXPIRED, Reason.DEADLINE, now);
        }
        worker.expired.clear();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Completion

    /** The deadline alarm: withdraws what is still queued and fails the request, unless it was answered first. */
    private void expire(Request request) {
        if (request.isFinished()) {
            return;
        }
        lock.lock();
        try {
            discard(request);
        } finally {
            lock.unlock();
        }
        fail(request, deadlineExceeded(request), Outcome.EXPIRED, Reason.DEADLINE, time.nanoTime());
    }

    /** Takes the request's still-queued images out of the depth (lock held); it leaves the deque when reached. */
    private void discard(Request request) {
        if (!request.discarded) {
            request.discarded = true;
            queuedImages -= request.count - request.taken;
        }
    }

    // Whoever finishes a request first records its outcome, so it is counted exactly once; the meters are updated
    // before the future completes, so that anyone who has seen the answer also sees it counted.

    private void succeed(Request request, long now) {
        if (request.finish()) {
            cancelAlarm(request);
            metrics.request(Outcome.SUCCESS, now - request.enqueuedAt);
            request.complete(request.output);
        }
    }

    private void fail(Request request, BatchingException error, Outcome outcome, Reason reason, long now) {
        if (request.finish()) {
            cancelAlarm(request);
            metrics.request(outcome, now - request.enqueuedAt);
            if (reason != null) {
                metrics.rejected(reason);
            }
            request.completeExceptionally(error);
        }
    }

    private static void cancelAlarm(Request request) {
        TimeSource.Alarm alarm = request.alarm;
        if (alarm != null) {
            alarm.cancel();
        }
    }

    private BatchingException deadlineExceeded(Request request) {
        return new BatchingException(Reason.DEADLINE, model + " v" + version + " did not answer " + request.count
                + " images within " + Duration.ofNanos(request.deadline - request.enqueuedAt).toMillis() + " ms", 1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Throughput, for Retry-After

    private void recordThroughput(int images, long nanos) {
        if (nanos <= 0) {
            return;
        }
        double rate = images * 1e9 / nanos;
        long bits;
        long next;
        do {
            bits = throughputBits.get();
            double previous = Double.longBitsToDouble(bits);
            double average = Double.isNaN(previous) ? rate : previous + THROUGHPUT_WEIGHT * (rate - previous);
            next = Double.doubleToRawLongBits(average);
        } while (!throughputBits.compareAndSet(bits, next));
    }

    /**
     * Seconds for {@code depth} images to drain at the measured per-batch engine throughput. Workers are not
     * multiplied in: engines may serialise calls (the CNN engine does), so that would promise too much. Capped at
     * the request timeout because by then every image now queued has been answered or dropped.
     */
    long retryAfterSeconds(int depth) {
        double throughput = Double.longBitsToDouble(throughputBits.get());
        if (Double.isNaN(throughput) || throughput <= 0) {
            throughput = DEFAULT_THROUGHPUT;
        }
        long seconds = (long) Math.ceil(depth / throughput);
        return Math.max(1, Math.min(seconds, maxRetryAfterSeconds));
    }

    /** Nanoseconds, clamped to [-1, 2^62]: a negative timeout only has to read as "already expired". */
    private static long nanos(Duration duration) {
        if (duration.isNegative()) {
            return -1;
        }
        return duration.compareTo(Duration.ofNanos(MAX_NANOS)) >= 0 ? MAX_NANOS : duration.toNanos();
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * A submitted request, which is also the future handed to the caller (one allocation fewer per request).
     * Fields marked "lock" are guarded by the batcher's lock.
     */
    private final class Request extends CompletableFuture<float[]> {
        static final AtomicIntegerFieldUpdater<Request> ANSWERED =
                AtomicIntegerFieldUpdater.newUpdater(Request.class, "answered");
        static final AtomicIntegerFieldUpdater<Request> FINISHED =
                AtomicIntegerFieldUpdater.newUpdater(Request.class, "finished");

        final float[] pixels;
        final int count;
        final long enqueuedAt;
        final long deadline;
        final float[] output;
        /** The embedding rows, when the caller asked for them ({@link #submitWithEmbeddings}); otherwise null. */
        final float[] embeddings;
        /** lock: images claimed by batches so far. */
        int taken;
        /** lock: no longer counted in the queue depth; skipped when reached. */
        boolean discarded;
        /** Images whose rows have been copied into output. */
        volatile int answered;
        volatile TimeSource.Alarm alarm;
        /** What the observer took at submit (e.g. the caller's trace context); set before the request is queued. */
        Object submitted;
        /** 1 once an outcome has been decided; the future completes right after. */
        volatile int finished;

        Request(float[] pixels, int count, int outputsPerImage, int embeddingsPerImage, long enqueuedAt, long deadline) {
            this.pixels = pixels;
            this.count = count;
            this.enqueuedAt = enqueuedAt;
            this.deadline = deadline;
            this.output = new float[count * outputsPerImage];
            this.embeddings = embeddingsPerImage == 0 ? null : new float[count * embeddingsPerImage];
        }

        boolean finish() {
            return FINISHED.compareAndSet(this, 0, 1);
        }

        boolean isFinished() {
            return finished != 0;
        }

        /** The caller gave up: withdraw what is still queued. Not counted as an outcome: nobody waits for it. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (!finish()) {
                return false;
            }
            cancelAlarm(this);
            lock.lock();
            try {
                discard(this);
            } finally {
                lock.unlock();
            }
            return super.cancel(mayInterruptIfRunning);
        }
    }
}
