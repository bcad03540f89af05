package dev.digitserve.prediction;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;

/** The answer to reading a number: the digits found, left to right, and their concatenation. */
public record ReadResponse(
        @Schema(example = "cnn") String model,
        @Schema(example = "1") int version,
        @Schema(description = "the digits' labels, left to right, concatenated", example = "2024") String text,
        List<Digit> digits) {

    /**
     * One digit: the label, how sure the model is ({@code probability} for models that output
     * probabilities, the raw {@code score} otherwise), and where it is in the picture as viewed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Digit(
            @Schema(example = "2") String label,
            @Schema(description = "probability of the label; present for the CNN", example = "0.998") Float probability,
            @Schema(description = "raw score of the label; present for the Lasso model") Float score,
            @ArraySchema(minItems = 4, maxItems = 4, arraySchema = @Schema(
                    description = "[x, y, width, height] in pixels of the upright picture, from its top-left corner",
                    example = "[12, 30, 40, 61]")) int[] box) {
    }
}
