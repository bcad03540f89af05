package dev.digitserve.warmup;

/**
 * What the warm-up did so far: its state, how long it took, rounds and requests sent and how many of those did
 * not answer 200 (each a sign that part of the path stayed cold).
 */
public record WarmupReport(State state, long durationMs, int rounds, int requests, int failures, long maxTimeMs) {

    public enum State {
        /** Not started yet (the server is not listening yet): readiness DOWN. */
        PENDING,
        /** Sending rounds: readiness DOWN. */
        RUNNING,
        /** Every round sent: readiness UP. */
        DONE,
        /** max-time passed first: readiness UP, the rest of the path warms under traffic. */
        TIMED_OUT,
        /** Switched off by configuration: readiness UP. */
        DISABLED;

        public boolean finished() {
            return this == DONE || this == TIMED_OUT || this == DISABLED;
        }
    }
}
