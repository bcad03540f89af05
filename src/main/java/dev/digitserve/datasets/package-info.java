/**
 * Labelled datasets uploaded over REST: a zip of label folders (PNG/JPEG, preprocessed exactly like prediction
 * uploads) or an IDX image/label pair, checked against hostile archives, stored as 28x28 IDX files with a
 * manifest under {@code digitserve.datasets.dir}. Entry type: {@link dev.digitserve.datasets.DatasetService};
 * training jobs read a dataset through {@link dev.digitserve.datasets.DatasetService#load(String)} and
 * tell the service which datasets are in use through {@link dev.digitserve.datasets.DatasetUsers}.
 */
package dev.digitserve.datasets;
