package dev.digitserve.warmup;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Tells when the JIT has gone quiet: over the last {@code window} the compiler threads spent less than
 * {@code share} of that time compiling (the JVM's total compilation time, {@link CompilationMXBean}).
 *
 * <p>Why: a fixed number of warm-up rounds ends while C2 still has a queue of hot methods to compile; measured
 * on this project's 2-core machine, the compiler thread then took 0.86 of a core for 10 more seconds, and the
 * first 6 s of traffic ran at under half the warmed rate. Warming until compilation settles is the rule that
 * holds on a fast or a slow node alike. A JVM that does not report compilation time is quiet at once.
 *
 * <p>Not thread-safe: one warm-up thread samples it.
 */
final class JitActivity {
    private final LongSupplier compilationMillis;
    private final LongSupplier nanoTime;
    private final long windowNanos;
    private final double share;
    /** (time in nanoseconds, total compilation milliseconds), oldest first. */
    private final Deque<long[]> samples = new ArrayDeque<>();

    JitActivity(LongSupplier compilationMillis, LongSupplier nanoTime, long windowNanos, double share) {
        this.compilationMillis = compilationMillis;
        this.nanoTime = nanoTime;
        this.windowNanos = windowNanos;
        this.share = share;
    }

    /** This JVM's JIT, or one that is always quiet when the JVM cannot say. */
    static JitActivity ofThisJvm(long windowNanos, double share) {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
            return new JitActivity(() -> 0, System::nanoTime, 0, 1);
        }
        return new JitActivity(compiler::getTotalCompilationTime, System::nanoTime, windowNanos, share);
    }

    /** Records the compilation time now; call it after each warm-up round. */
    void sample() {
        long now = nanoTime.getAsLong();
        samples.addLast(new long[] {now, compilationMillis.getAsLong()});
        // keep the newest sample that is at least a window old, and everything after it
        while (samples.size() > 2 && now - secondOldest()[0] >= windowNanos) {
            samples.removeFirst();
        }
    }

    private long[] secondOldest() {
        var iterator = samples.iterator();
        iterator.next();
        return iterator.next();
    }

    /** True once the samples span a whole window and compilation took less than {@code share} of it. */
    boolean quiet() {
        if (windowNanos == 0) {
            return true; // nothing to watch: the JVM does not report compilation time
        }
        if (samples.size() < 2) {
            return false;
        }
        long[] oldest = samples.getFirst();
        long[] newest = samples.getLast();
        long elapsedNanos = newest[0] - oldest[0];
        if (elapsedNanos < windowNanos) {
            return false;
        }
        return (newest[1] - oldest[1]) * 1_000_000.0 < share * elapsedNanos;
    }
}
