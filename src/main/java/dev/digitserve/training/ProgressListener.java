package dev.digitserve.training;

/** Receives training progress; called on the training thread, so it must return quickly. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = progress -> {
    };

    void onProgress(TrainingProgress progress);
}
