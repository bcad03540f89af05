package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LassoSolverTest {

    /**
     * With orthogonal, centred columns of squared norm n the Lasso has a closed form:
     * w_j = soft_threshold(x_j . y / n, alpha).
     */
    @Test
    void orthogonalFeaturesGiveSoftThresholding() {
        double[][] columns = {
                {1, 1, -1, -1, 1, 1, -1, -1},
                {1, -1, 1, -1, 1, -1, 1, -1},
                {1, 1, 1, 1, -1, -1, -1, -1},
        };
        double[] trueWeights = {3.0, 0.05, -0.7};
        double[] y = new double[8];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 3; j++) {
                y[i] += trueWeights[j] * columns[j][i];
            }
        }
        double alpha = 0.1;

        LassoSolver.Solution solution = LassoSolver.solve(columns, y, alpha, 1000, 1e-10, () -> false);

        assertThat(solution.coefficients()[0]).isCloseTo(3.0 - alpha, within(1e-9));
        assertThat(solution.coefficients()[1]).as("below alpha: exactly zero").isZero();
        assertThat(solution.coefficients()[2]).isCloseTo(-0.7 + alpha, within(1e-9));
    }

    @Test
    void aLargeAlphaZeroesEverything() {
        double[][] columns = {{1, -1, 1, -1}};
        double[] y = {0.5, -0.5, 0.5, -0.5};

        LassoSolver.Solution solution = LassoSolver.solve(columns, y, 1.0, 100, 1e-4, () -> false);

        assertThat(solution.coefficients()).containsExactly(0.0);
        assertThat(solution.iterations()).isEqualTo(1);
    }

    @Test
    void cancellationStopsTheSolver() {
        assertThatThrownBy(() -> LassoSolver.solve(new double[][] {{1, -1}}, new double[] {1, -1}, 0.1, 10, 1e-4,
                () -> true)).isInstanceOf(TrainingCancelledException.class);
    }
}
