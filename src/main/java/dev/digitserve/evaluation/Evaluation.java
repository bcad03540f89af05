package dev.digitserve.evaluation;

/**
 * A model's measured quality on a labelled set: accuracy, mean cross-entropy (null when the model's
 * outputs are not probabilities), label-ranking average precision, and the confusion matrix
 * ({@code [true][predicted]}).
 */
public record Evaluation(int samples, double accuracy, Double loss, double lrap, int[][] confusionMatrix) {
}
