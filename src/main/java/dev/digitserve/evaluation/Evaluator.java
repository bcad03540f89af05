package dev.digitserve.evaluation;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.inference.InferenceEngine;

/** Runs an engine over a whole dataset in fixed-size batches and computes every metric. */
public final class Evaluator {
    private static final int BATCH = 500;

    private Evaluator() {
    }

    /** Labels are indices into the engine's classes. */
    public static Evaluation evaluate(InferenceEngine engine, MnistDataset data) {
        int classes = engine.classes();
        float[] outputs = new float[data.count() * classes];
        for (int from = 0; from < data.count(); from += BATCH) {
            int to = Math.min(data.count(), from + BATCH);
            float[] batch = engine.predict(data.floats(from, to), to - from);
            System.arraycopy(batch, 0, outputs, from * classes, batch.length);
        }
        return of(outputs, classes, data.labels(), engine.classOutput() == InferenceEngine.ClassOutput.PROBABILITIES);
    }

    /** For the ten outputs of a digit model. */
    public static Evaluation of(float[] outputs, byte[] labels, boolean probabilities) {
        return of(outputs, InferenceEngine.OUTPUT_SIZE, labels, probabilities);
    }

    public static Evaluation of(float[] outputs, int classes, byte[] labels, boolean probabilities) {
        return new Evaluation(labels.length,
                ClassificationMetrics.accuracy(outputs, classes, labels),
                probabilities ? ClassificationMetrics.meanCrossEntropy(outputs, classes, labels) : null,
                ClassificationMetrics.labelRankingAveragePrecision(outputs, classes, labels),
                ClassificationMetrics.confusionMatrix(outputs, classes, labels));
    }
}
