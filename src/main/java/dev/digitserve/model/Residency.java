package dev.digitserve.model;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loaded version's stay in memory: what it is estimated to take, when it was last asked for, and how many
 * requests are inside it (submitted and not yet answered).
 *
 * <p>Contract: {@link #tryAcquire()} admits a request unless the version has been retired; {@link #release()} ends
 * it. {@link #tryRetire()} succeeds only when no request is inside, and from then on every {@code tryAcquire} fails,
 * so a version chosen for eviction can never have a request queued on it: the one admitted first wins. Lock-free and
 * thread-safe; the hot path costs one compare-and-set and one decrement per request.
 */
public final class Residency {
    /** The lease count of a retired version: far below any count that releases could bring it to. */
    private static final int RETIRED = Integer.MIN_VALUE / 2;

    private final long estimatedBytes;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long lastUsedNanos;
    /** Called when the last request inside leaves (for loads waiting for memory); may be null. */
    private final Runnable onIdle;

    Residency(long estimatedBytes, long nowNanos, Runnable onIdle) {
        this.estimatedBytes = estimatedBytes;
        this.lastUsedNanos = nowNanos;
        this.onIdle = onIdle;
    }

    public long estimatedBytes() {
        return estimatedBytes;
    }

    public long lastUsedNanos() {
        return lastUsedNanos;
    }

    /** Requests inside now (0 when idle or retired). */
    public int inFlight() {
        return Math.max(0, inFlight.get());
    }

    /** Admits one request and marks the version used; false once it is retired. */
    public boolean tryAcquire() {
        int n;
        do {
            n = inFlight.get();
            if (n < 0) {
                return false;
            }
        } while (!inFlight.compareAndSet(n, n + 1));
        lastUsedNanos = System.nanoTime();
        return true;
    }

    /** One admitted request has its answer (or failure). */
    public void release() {
        if (inFlight.decrementAndGet() == 0 && onIdle != null) {
            onIdle.run();
        }
    }

    /** Retires the version if no request is inside; true if this call retired it (or it already was). */
    boolean tryRetire() {
        return inFlight.compareAndSet(0, RETIRED) || inFlight.get() < 0;
    }

    boolean retired() {
        return inFlight.get() < 0;
    }
}
