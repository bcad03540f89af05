package dev.digitserve.training;

/**
 * A snapshot of a running training: where it is, how fast it goes and how long it should still take.
 * {@code loss} is the mean training loss of the epoch so far; {@code testAccuracy} is set on the report
 * that closes an epoch, null otherwise.
 */
public record TrainingProgress(int epoch, int epochs, long iteration, long samplesSeen, Double loss,
                               double imagesPerSecond, double elapsedSeconds, double remainingSeconds,
                               Double testAccuracy) {
}
