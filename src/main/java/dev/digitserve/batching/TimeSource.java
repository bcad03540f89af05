package dev.digitserve.batching;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The batcher's only view of time: a monotonic clock plus one-shot alarms on that clock. Every wait of the
 * batcher (batch window, request deadline, shutdown grace) ends through an alarm, so a test that advances a fake
 * source drives the batcher deterministically, without sleeping.
 *
 * <p>Implementations must be thread-safe. An alarm whose time has already come may run at once on the calling
 * thread; otherwise it runs on a thread of the source's choosing.
 */
public interface TimeSource {

    /** Monotonic nanoseconds with an arbitrary origin, like {@link System#nanoTime()}; compare by subtraction. */
    long nanoTime();

    /** Runs {@code task} once when {@link #nanoTime()} reaches {@code atNanos}, unless cancelled first. */
    Alarm schedule(long atNanos, Runnable task);

    /** A pending {@link #schedule} call. */
    @FunctionalInterface
    interface Alarm {
        /** Best effort: a task that has already started still finishes. Idempotent. */
        void cancel();
    }

    /**
     * The system clock, with alarms on one shared daemon thread ({@code batcher-timer}). Alarm tasks are short:
     * they fail a future or wake a worker, so one thread serves every batcher in the JVM.
     */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }
}

final class SystemTimeSource implements TimeSource {

    static final SystemTimeSource INSTANCE = new SystemTimeSource();

    private final ScheduledThreadPoolExecutor timer;

    private SystemTimeSource() {
        timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "batcher-timer");
            thread.setDaemon(true);
            return thread;
        });
        // Nearly every deadline alarm is cancelled because its request was answered in time; without this the
        // heap would hold request-timeout's worth of dead tasks.
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Alarm schedule(long atNanos, Runnable task) {
        ScheduledFuture<?> future = timer.schedule(task, atNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }
}
