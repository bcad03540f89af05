package dev.digitserve.training;

/** The queue of waiting training jobs is full (429). */
public class TrainingQueueFullException extends RuntimeException {
    public TrainingQueueFullException(int capacity) {
        super("the training queue is full (" + capacity + " jobs waiting); retry when a job has finished");
    }
}
