package dev.digitserve.batching;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that every pooled {@link DynamicBatcher} borrows to form and run its batches, so that the number of
 * batching threads is the pool's size whatever the number of loaded model versions.
 *
 * <p>Contract:
 * <ul>
 *   <li><b>Bounded.</b> At most {@code threads} daemon threads ({@code batcher-pool-<n>}), started on first use and
 *       kept; tasks wait in an unbounded FIFO queue. A batcher has at most {@code workers} tasks here at a time
 *       (one by default), so the queue holds at most one task per busy batcher.
 *   <li><b>Idle batchers cost nothing.</b> A batcher with nothing queued has no task here and holds no thread.
 *   <li><b>Fair.</b> A batcher whose queue stays full does not keep a thread for itself: after each batch it hands
 *       the thread back if other batchers are waiting ({@link #hasWaitingWork()}) and queues itself behind them.
 *   <li><b>Shutdown.</b> {@link #close()} stops accepting tasks (a batcher then fails to schedule and its requests
 *       end at their deadline) and lets running batches finish. Close it after the batchers that use it.
 * </ul>
 * Thread-safe.
 */
public final class BatcherPool implements AutoCloseable {
    private final ThreadPoolExecutor executor;

    public BatcherPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a batcher pool needs at least one thread, was " + threads);
        }
        AtomicInteger count = new AtomicInteger();
        executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "batcher-pool-" + count.incrementAndGet());
                    // a wedged engine call must not keep the JVM alive after the application has shut down
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** Threads the pool may run, the most batches that run at once across every batcher. */
    public int threads() {
        return executor.getMaximumPoolSize();
    }

    /** Threads started so far (they are kept once started). */
    public int startedThreads() {
        return executor.getPoolSize();
    }

    /** True when some task waits for a thread: a batcher that could go on should let it run first. */
    boolean hasWaitingWork() {
        return !executor.getQueue().isEmpty();
    }

    /** @throws RejectedExecutionException once the pool is closed */
    void execute(Runnable task) {
        executor.execute(task);
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
