package dev.digitserve.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.digitserve.evaluation.Evaluation;

/**
 * What a model version is and how good it is, stored as {@code model.json} beside its weights.
 * Every metric was measured by the project's own evaluator on the 10,000-image MNIST test set.
 */
public record ModelCard(
        String name,
        int version,
        String kind,
        Instant created,
        Input input,
        Training training,
        Map<String, String> datasetSha256,
        Map<String, String> libraries,
        Evaluation metrics) {

    /** Input shape of one image and how its values are scaled. */
    public record Input(List<Integer> shape, String scale) {
        public static Input mnist() {
            return new Input(List.of(784), "pixel intensity in [0, 1], 0 = background, row-major 28x28");
        }
    }

    /** How the version was trained: the parameters it was given and what the run took. */
    public record Training(int samples, Integer epochs, Integer batchSize, Long seed, String updater,
                           double durationSeconds, Map<String, Object> parameters) {
    }
}
