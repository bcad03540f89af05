package dev.digitserve.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {

    @Test
    void lrapIsOneOverTheRankOfTheTrueLabel() {
        float[] scores = {
                0.1f, 0.7f, 0.2f,   // true 1: ranked first -> 1
                0.5f, 0.3f, 0.2f,   // true 2: ranked third -> 1/3
                0.2f, 0.5f, 0.3f,   // true 2: ranked second -> 1/2
        };
        double lrap = ClassificationMetrics.labelRankingAveragePrecision(scores, 3, new byte[] {1, 2, 2});

        assertThat(lrap).isCloseTo((1 + 1.0 / 3 + 0.5) / 3, within(1e-12));
    }

    @Test
    void tiesCountAgainstTheTrueLabelAsInScikitLearn() {
        // scikit-learn: label_ranking_average_precision_score([[0,1,0]], [[0.5,0.5,0.5]]) == 1/3
        float[] allTied = {0.5f, 0.5f, 0.5f};
        assertThat(ClassificationMetrics.labelRankingAveragePrecision(allTied, 3, new byte[] {1}))
                .isCloseTo(1.0 / 3, within(1e-12));
        // tied with one other for first place: rank 2
        float[] twoTied = {0.4f, 0.4f, 0.2f};
        assertThat(ClassificationMetrics.labelRankingAveragePrecision(twoTied, 3, new byte[] {0}))
                .isCloseTo(0.5, within(1e-12));
    }

    @Test
    void accuracyAndConfusionMatrixOnATinyCase() {
        float[] outputs = {
                0.9f, 0.1f, 0.0f,
                0.2f, 0.3f, 0.5f,
                0.1f, 0.8f, 0.1f,
                0.6f, 0.3f, 0.1f,
        };
        byte[] labels = {0, 1, 1, 2};

        assertThat(ClassificationMetrics.accuracy(outputs, 3, labels)).isEqualTo(0.5);
        assertThat(ClassificationMetrics.confusionMatrix(outputs, 3, labels)).isDeepEqualTo(new int[][] {
                {1, 0, 0},
                {0, 1, 1},
                {1, 0, 0},
        });
    }

    @Test
    void argmaxPrefersTheLowestIndexOnATie() {
        assertThat(ClassificationMetrics.argmax(new float[] {0.3f, 0.3f, 0.3f, 0.5f, 0.5f}, 5, 0)).isEqualTo(3);
    }

    @Test
    void crossEntropyIsMeanNegativeLogOfTheTrueProbabilityAndClipsZero() {
        float[] probabilities = {0.5f, 0.5f, 0.0f, 1.0f};
        double loss = ClassificationMetrics.meanCrossEntropy(probabilities, 2, new byte[] {0, 0});

        assertThat(loss).isCloseTo((Math.log(2) - Math.log(1e-7)) / 2, within(1e-9));
    }

    @Test
    void evaluationBundlesEveryMetric() {
        float[] scores = new float[20];
        scores[1] = 0.8f;          // image 0: digit 1 ranked first
        scores[10] = 0.9f;         // image 1: digit 0 first, true digit 1 second
        scores[11] = 0.5f;
        Evaluation evaluation = Evaluator.of(scores, new byte[] {1, 1}, false);

        assertThat(evaluation.samples()).isEqualTo(2);
        assertThat(evaluation.accuracy()).isEqualTo(0.5);
        assertThat(evaluation.loss()).as("scores are not probabilities").isNull();
        assertThat(evaluation.lrap()).isCloseTo(0.75, within(1e-12));
    }
}
