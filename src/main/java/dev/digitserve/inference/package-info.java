/**
 * Engines that run a loaded model on a batch ({@link dev.digitserve.inference.InferenceEngine}: the DL4J CNN and the
 * folded Lasso), the input geometry ({@link dev.digitserve.inference.Images}: 28, 784) and the native backend set-up.
 */
package dev.digitserve.inference;
