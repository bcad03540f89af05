package dev.digitserve.training;

import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.inference.LassoPipeline;

/**
 * Fits scikit-learn's {@code VarianceThreshold -> StandardScaler -> Lasso} pipeline on MNIST pixels in
 * [0, 1] against one-hot labels: one independent Lasso per digit, intercept fitted, population variance
 * and standard deviation, as scikit-learn computes them.
 */
public final class LassoTrainer {
    private LassoTrainer() {
    }

    public static LassoPipeline fit(MnistDataset train, LassoParameters parameters, BooleanSupplier cancelled) {
        int n = train.count();
        int pixels = MnistDataset.PIXELS;
        double[] mean = new double[pixels];
        double[] variance = new double[pixels];
        for (int j = 0; j < pixels; j++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += train.pixel(i, j);
            }
            mean[j] = sum / n;
            double squares = 0;
            for (int i = 0; i < n; i++) {
                double d = train.pixel(i, j) - mean[j];
                squares += d * d;
            }
            variance[j] = squares / n;
        }
        int[] kept = IntStream.range(0, pixels).filter(j -> variance[j] > parameters.varianceThreshold()).toArray();
        int k = kept.length;
        double[] means = new double[k];
        double[] scales = new double[k];
        double[][] columns = new double[k][n];
        double[] columnOffsets = new double[k];
        for (int f = 0; f < k; f++) {
            int j = kept[f];
            means[f] = mean[j];
            scales[f] = Math.sqrt(variance[j]);
            double[] column = columns[f];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                column[i] = (train.pixel(i, j) - means[f]) / scales[f];
                sum += column[i];
            }
            // The Lasso centres its input again (a no-op up to rounding), as scikit-learn does.
            columnOffsets[f] = sum / n;
            for (int i = 0; i < n; i++) {
                column[i] -= columnOffsets[f];
            }
        }
        double[][] coefficients = new double[InferenceEngine.OUTPUT_SIZE][];
        double[] intercepts = new double[InferenceEngine.OUTPUT_SIZE];
        IntStream.range(0, InferenceEngine.OUTPUT_SIZE).parallel().forEach(digit -> {
            double[] y = new double[n];
            double yMean = 0;
            for (int i = 0; i < n; i++) {
                y[i] = train.label(i) == digit ? 1 : 0;
                yMean += y[i];
            }
            yMean /= n;
            for (int i = 0; i < n; i++) {
                y[i] -= yMean;
            }
            LassoSolver.Solution solution = LassoSolver.solve(columns, y, parameters.alpha(),
                    parameters.maxIterations(), parameters.tolerance(), cancelled);
            double intercept = yMean;
            for (int f = 0; f < k; f++) {
                intercept -= columnOffsets[f] * solution.coefficients()[f];
            }
            coefficients[digit] = solution.coefficients();
            intercepts[digit] = intercept;
        });
        return new LassoPipeline(kept, means, scales, coefficients, intercepts);
    }
}
