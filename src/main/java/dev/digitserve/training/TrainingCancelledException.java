package dev.digitserve.training;

/** Thrown from inside a trainer when its cancellation signal was raised; nothing was produced. */
public class TrainingCancelledException extends RuntimeException {
    public TrainingCancelledException() {
        super("training cancelled");
    }
}
