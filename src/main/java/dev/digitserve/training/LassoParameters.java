package dev.digitserve.training;

/** The Lasso pipeline's training parameters; {@link #reference()} holds the reference recipe. */
public record LassoParameters(double alpha, int maxIterations, double tolerance, double varianceThreshold,
                              int trainingSamples) {
    public static LassoParameters reference() {
        return new LassoParameters(0.1, 2000, 1e-4, 0.01, 60_000);
    }
}
