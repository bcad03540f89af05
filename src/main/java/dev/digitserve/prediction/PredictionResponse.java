package dev.digitserve.prediction;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.swagger.v3.oas.annotations.media.Schema;

/** The answer to a prediction request: one prediction per image, in request order. */
public record PredictionResponse(
        @Schema(example = "cnn") String model,
        @Schema(example = "1") int version,
        List<Prediction> predictions) {

    /**
     * The predicted class as its {@code label} and its {@code index} in the model's outputs, and the model's
     * outputs: {@code probabilities} (summing to 1) for models that produce them (CNNs), raw regression
     * {@code scores} otherwise (the Lasso model). {@code digit} is the predicted label as a number whenever that
     * label is a digit "0".."9" (always, for the digit models; kept for clients written before labels existed);
     * it is absent when a model with other labels predicts one of those ("plus").
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Prediction(
            @Schema(example = "7") String label,
            @Schema(example = "7") int index,
            @Schema(example = "7", description = "the label as a digit; absent for a non-digit label") Integer digit,
            @Schema(description = "one per class, in label order; present for CNNs") float[] probabilities,
            @Schema(description = "one per class, in label order; present for the Lasso model") float[] scores) {

        /** For a digit model: label, index and digit agree. */
        public Prediction(int digit, float[] probabilities, float[] scores) {
            this(Integer.toString(digit), digit, digit, probabilities, scores);
        }
    }
}
