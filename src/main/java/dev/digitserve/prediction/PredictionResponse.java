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
     * The predicted digit and the model's 10 outputs: {@code probabilities} (summing to 1) for models
     * that produce them (the CNN), raw regression {@code scores} otherwise (the Lasso model).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Prediction(
            @Schema(example = "7") int digit,
            @Schema(description = "10 probabilities, index = digit; present for the CNN") float[] probabilities,
            @Schema(description = "10 raw scores, index = digit; present for the Lasso model") float[] scores) {
    }
}
