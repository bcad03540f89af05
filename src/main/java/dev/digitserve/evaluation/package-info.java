/**
 * Model quality: accuracy, loss, LRAP and the confusion matrix of a model on a data set.
 * Entry type: {@link dev.digitserve.evaluation.Evaluator}.
 */
package dev.digitserve.evaluation;
