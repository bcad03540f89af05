package dev.digitserve.training;

/** Receives training progress; called on the training thread, so it must return quickly. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = progress -> {
    };

    void onProgress(TrainingProgress progress);

    /** An epoch begins (trainers that work in epochs call it before the epoch's first iteration). */
    default void onEpochStart(int epoch, int epochs) {
    }
}
