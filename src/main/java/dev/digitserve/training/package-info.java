/**
 * Training jobs: the REST API, the job queue and store, and the CNN and Lasso trainers that publish new versions.
 * Entry type: {@link dev.digitserve.training.TrainingJobService}.
 */
package dev.digitserve.training;
