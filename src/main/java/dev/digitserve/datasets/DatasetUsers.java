package dev.digitserve.datasets;

/**
 * Whoever may still read a dataset (the training jobs) answers whether it does; a dataset in use cannot be
 * deleted. Implementations must be thread-safe and quick.
 */
@FunctionalInterface
public interface DatasetUsers {
    /** A client-safe description of who uses the dataset (e.g. "training job 42"), or null when nobody does. */
    String userOf(String datasetId);
}
