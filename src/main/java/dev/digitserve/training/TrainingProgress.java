package dev.digitserve.training;

import java.time.Duration;

/**
 * A snapshot of a running training: where it is, how fast it goes and how long it should still take.
 * {@code testAccuracy} is set on the report that closes an epoch, null otherwise.
 */
public record TrainingProgress(int epoch, int epochs, long iteration, long samplesSeen, Double loss,
                               double imagesPerSecond, Duration elapsed, Duration remaining, Double testAccuracy) {
}
