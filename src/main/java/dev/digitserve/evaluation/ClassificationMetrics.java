package dev.digitserve.evaluation;

/**
 * Metrics over a row-major block of {@code n x classes} model outputs and the true labels.
 * Pure functions; definitions follow scikit-learn where it has one.
 */
public final class ClassificationMetrics {
    /** Keras clips probabilities the same way before taking the log. */
    static final double PROBABILITY_FLOOR = 1e-7;

    private ClassificationMetrics() {
    }

    /** Index of the highest output of row {@code row}; the lowest index wins a tie. */
    public static int argmax(float[] outputs, int classes, int row) {
        int offset = row * classes;
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (outputs[offset + c] > outputs[offset + best]) {
                best = c;
            }
        }
        return best;
    }

    public static double accuracy(float[] outputs, int classes, byte[] labels) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            if (argmax(outputs, classes, i) == labels[i]) {
                correct++;
            }
        }
        return labels.length == 0 ? 0 : (double) correct / labels.length;
    }

    /** {@code matrix[true][predicted]} counts. */
    public static int[][] confusionMatrix(float[] outputs, int classes, byte[] labels) {
        int[][] matrix = new int[classes][classes];
        for (int i = 0; i < labels.length; i++) {
            matrix[labels[i]][argmax(outputs, classes, i)]++;
        }
        return matrix;
    }

    /**
     * Label-ranking average precision for single-label data, as scikit-learn's
     * {@code label_ranking_average_precision_score} with one-hot truth: the mean over samples of
     * {@code 1 / rank}, where rank is the number of classes scoring at least as high as the true one
     * (so ties count against the true label).
     */
    public static double labelRankingAveragePrecision(float[] outputs, int classes, byte[] labels) {
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            int offset = i * classes;
            float truth = outputs[offset + labels[i]];
            int rank = 0;
            for (int c = 0; c < classes; c++) {
                if (outputs[offset + c] >= truth) {
                    rank++;
                }
            }
            sum += 1.0 / rank;
        }
        return labels.length == 0 ? 0 : sum / labels.length;
    }

    /** Mean of {@code -ln p(true label)}, probabilities clipped to [1e-7, 1 - 1e-7]. */
    public static double meanCrossEntropy(float[] probabilities, int classes, byte[] labels) {
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            double p = probabilities[i * classes + labels[i]];
            sum -= Math.log(Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, p)));
        }
        return labels.length == 0 ? 0 : sum / labels.length;
    }
}
