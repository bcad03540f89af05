package dev.digitserve.inference;

import java.util.Arrays;

/**
 * The fitted Lasso pipeline as stored on disk: a variance filter ({@code kept} feature indices), a
 * standard scaler over the kept features ({@code means}, {@code scales}) and one linear model per digit
 * ({@code coefficients[digit][k]} over the kept, scaled features, plus {@code intercepts[digit]}).
 */
public record LassoPipeline(int[] kept, double[] means, double[] scales, double[][] coefficients,
                            double[] intercepts) {

    public LassoPipeline {
        int k = kept.length;
        if (means.length != k || scales.length != k || intercepts.length != InferenceEngine.OUTPUT_SIZE
                || coefficients.length != InferenceEngine.OUTPUT_SIZE) {
            throw new IllegalArgumentException("inconsistent Lasso pipeline: " + k + " kept features, "
                    + means.length + " means, " + scales.length + " scales, " + coefficients.length
                    + " coefficient rows, " + intercepts.length + " intercepts");
        }
        for (double[] row : coefficients) {
            if (row.length != k) {
                throw new IllegalArgumentException("coefficient row of " + row.length + " values for " + k + " features");
            }
        }
        for (int index : kept) {
            if (index < 0 || index >= Images.PIXELS) {
                throw new IllegalArgumentException("kept feature index " + index + " outside 0..783");
            }
        }
    }

    /**
     * Folds filter, scaler and models into one affine map over the raw 784 pixels:
     * {@code score[d] = bias[d] + sum_j weights[j * 10 + d] * x[j]}, with
     * {@code weights = coef / scale} on kept features (zero elsewhere) and
     * {@code bias = intercept - sum coef * mean / scale}.
     */
    public AffineMap fold() {
        int outputs = InferenceEngine.OUTPUT_SIZE;
        float[] weights = new float[Images.PIXELS * outputs];
        float[] bias = new float[outputs];
        for (int d = 0; d < outputs; d++) {
            double b = intercepts[d];
            for (int k = 0; k < kept.length; k++) {
                double w = coefficients[d][k] / scales[k];
                weights[kept[k] * outputs + d] = (float) w;
                b -= w * means[k];
            }
            bias[d] = (float) b;
        }
        return new AffineMap(weights, bias);
    }

    public int nonZeroCoefficients(int digit) {
        return (int) Arrays.stream(coefficients[digit]).filter(c -> c != 0).count();
    }

    /** {@code 784 x 10} row-major weights and 10 biases. */
    public record AffineMap(float[] weights, float[] bias) {
    }
}
