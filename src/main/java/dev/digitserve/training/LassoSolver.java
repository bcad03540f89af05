package dev.digitserve.training;

import java.util.function.BooleanSupplier;

/**
 * Cyclic coordinate descent for one Lasso target, minimising scikit-learn's objective
 * {@code (1/(2n)) ||y - Xw||^2 + alpha ||w||_1} on centred data (the caller handles the intercept).
 *
 * <p>It follows scikit-learn's {@code enet_coordinate_descent} step for step, including its stopping
 * rule: after a sweep whose largest coefficient change, relative to the largest coefficient, is below
 * {@code tol}, the duality gap is computed, and the solver stops when it is below
 * {@code tol * ||y||^2}. That is what makes the non-zero pattern and the scores match the reference,
 * not just the objective value.
 *
 * <p>We wrote this instead of using a library: Tribuo's elastic net (the maintained JVM candidate)
 * standardises internally and uses its own convergence rule, and would add Tribuo's dependency tree for
 * some sixty lines of arithmetic.
 */
final class LassoSolver {
    private LassoSolver() {
    }

    /** The coefficients and how many full sweeps it took. */
    record Solution(double[] coefficients, int iterations, double dualityGap) {
    }

    /**
     * @param columns  the design matrix by column ({@code columns[j][i]} = feature j of sample i), centred
     * @param y        the centred target
     * @param cancelled polled once per sweep; when true a {@link TrainingCancelledException} is thrown
     */
    static Solution solve(double[][] columns, double[] y, double alpha, int maxIterations, double tolerance,
                          BooleanSupplier cancelled) {
        int n = y.length;
        int p = columns.length;
        double scaledAlpha = alpha * n;
        double[] w = new double[p];
        double[] residual = y.clone();
        double[] columnNorms = new double[p];
        for (int j = 0; j < p; j++) {
            columnNorms[j] = dot(columns[j], columns[j]);
        }
        double gapTolerance = tolerance * dot(y, y);
        double gap = Double.NaN;
        int iteration = 0;
        while (iteration < maxIterations) {
            if (cancelled.getAsBoolean()) {
                throw new TrainingCancelledException();
            }
            double maxW = 0;
            double maxChange = 0;
            for (int j = 0; j < p; j++) {
                if (columnNorms[j] == 0) {
                    continue;
                }
                double[] x = columns[j];
                double old = w[j];
                if (old != 0) {
                    axpy(old, x, residual);
                }
                double rho = dot(x, residual);
                double updated = Math.signum(rho) * Math.max(Math.abs(rho) - scaledAlpha, 0) / columnNorms[j];
                w[j] = updated;
                if (updated != 0) {
                    axpy(-updated, x, residual);
                }
                maxChange = Math.max(maxChange, Math.abs(updated - old));
                maxW = Math.max(maxW, Math.abs(updated));
            }
            iteration++;
            if (maxW == 0 || maxChange / maxW < tolerance || iteration == maxIterations) {
                gap = dualityGap(columns, y, residual, w, scaledAlpha);
                if (gap < gapTolerance) {
                    break;
                }
            }
        }
        return new Solution(w, iteration, gap);
    }

    private static double dualityGap(double[][] columns, double[] y, double[] residual, double[] w, double alpha) {
        double dualNorm = 0;
        for (double[] column : columns) {
            dualNorm = Math.max(dualNorm, Math.abs(dot(column, residual)));
        }
        double residualNorm2 = dot(residual, residual);
        double scale;
        double gap;
        if (dualNorm > alpha) {
            scale = alpha / dualNorm;
            gap = 0.5 * (residualNorm2 + residualNorm2 * scale * scale);
        } else {
            scale = 1;
            gap = residualNorm2;
        }
        double l1 = 0;
        for (double v : w) {
            l1 += Math.abs(v);
        }
        return gap + alpha * l1 - scale * dot(residual, y);
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** {@code target += factor * x} */
    private static void axpy(double factor, double[] x, double[] target) {
        for (int i = 0; i < x.length; i++) {
            target[i] += factor * x[i];
        }
    }
}
