package dev.digitserve.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.digitserve.evaluation.Evaluation;

/**
 * What a model version is and how good it is, stored as {@code model.json} beside its weights.
 * {@code metrics} were measured by the project's own evaluator: on the 10,000-image MNIST test set for models
 * trained on MNIST, on the evaluation sets named in {@code evaluations} for fine-tuned ones.
 *
 * <p>{@code labels} are the model's classes in output order; cards without them (the seed models, and every
 * card written before labels existed) mean the digits "0".."9" ({@link #labelsOrDigits()}). {@code fineTuning}
 * is present only for versions fine-tuned from another version on a dataset.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelCard(
        String name,
        int version,
        String kind,
        Instant created,
        Input input,
        Training training,
        Map<String, String> datasetSha256,
        Map<String, String> libraries,
        Evaluation metrics,
        List<String> labels,
        FineTuning fineTuning,
        Map<String, Evaluation> evaluations) {

    /** The classes of a digit model, index = digit. */
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** A card of a digit model trained on MNIST (no labels, no fine-tuning). */
    public ModelCard(String name, int version, String kind, Instant created, Input input, Training training,
                     Map<String, String> datasetSha256, Map<String, String> libraries, Evaluation metrics) {
        this(name, version, kind, created, input, training, datasetSha256, libraries, metrics, null, null, null);
    }

    /** The model's classes in output order. */
    public List<String> labelsOrDigits() {
        return labels != null ? labels : DIGITS;
    }

    /**
     * Where a fine-tuned version came from.
     *
     * @param baseModel      the model it started from
     * @param baseVersion    that model's version
     * @param datasetId      the dataset it was trained on
     * @param datasetSha256  SHA-256 of the dataset's stored files, by file name
     * @param freeze         {@code features} (convolution layers kept) or {@code none} (everything trained)
     * @param include        {@code mnist} when the MNIST training digits were added to the dataset, else null
     * @param datasetSamples dataset images trained on (the rest of the dataset was held out for evaluation)
     * @param mnistSamples   MNIST training images trained on
     * @param recipe         how it was trained beyond the job's parameters: learning rate, sampling (class-balanced
     *                       or shuffled, draws per epoch) and augmentation; absent on cards written before it existed
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FineTuning(String baseModel, int baseVersion, String datasetId, Map<String, String> datasetSha256,
                             String freeze, String include, int datasetSamples, int mnistSamples,
                             Map<String, Object> recipe) {
    }

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
