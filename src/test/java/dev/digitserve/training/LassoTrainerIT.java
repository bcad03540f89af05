package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.digitserve.evaluation.Evaluation;
import dev.digitserve.evaluation.Evaluator;
import dev.digitserve.inference.LassoPipeline;
import dev.digitserve.inference.LinearEngine;
import dev.digitserve.support.TestData;

/**
 * The seed Lasso pipeline on the full 60k training set against scikit-learn 1.2.1's reference:
 * 444 features kept, non-zero coefficients per digit [5,4,1,1,0,0,5,5,0,0], test LRAP 0.47801.
 */
class LassoTrainerIT {

    @Test
    void reproducesTheScikitLearnReference() {
        LassoPipeline pipeline = LassoTrainer.fit(TestData.trainingSet(), LassoParameters.reference(), () -> false);

        assertThat(pipeline.kept()).hasSize(444);
        assertThat(IntStream.range(0, 10).map(pipeline::nonZeroCoefficients).toArray())
                .containsExactly(5, 4, 1, 1, 0, 0, 5, 5, 0, 0);
        try (LinearEngine engine = new LinearEngine(pipeline.fold())) {
            Evaluation evaluation = Evaluator.evaluate(engine, TestData.testSet());
            assertThat(evaluation.lrap()).isCloseTo(0.47801, within(0.0005));
        }
    }

    @Test
    void foldingThePipelineDoesNotChangeTheScores() {
        LassoPipeline pipeline = LassoTrainer.fit(TestData.trainingSet().head(2000),
                new LassoParameters(0.01, 500, 1e-4, 0.01, 2000), () -> false);
        float[] image = TestData.testSet().floats(0, 1);

        double[] direct = new double[10];
        for (int d = 0; d < 10; d++) {
            direct[d] = pipeline.intercepts()[d];
            for (int k = 0; k < pipeline.kept().length; k++) {
                double z = (image[pipeline.kept()[k]] - pipeline.means()[k]) / pipeline.scales()[k];
                direct[d] += pipeline.coefficients()[d][k] * z;
            }
        }
        try (LinearEngine engine = new LinearEngine(pipeline.fold())) {
            float[] folded = engine.predict(image, 1);
            for (int d = 0; d < 10; d++) {
                assertThat((double) folded[d]).isCloseTo(direct[d], within(1e-4));
            }
        }
    }
}
