package dev.digitserve.prediction;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The answer to an embeddings request: the model version that computed them and one embedding per image, in
 * request order. An embedding is the 128 activations of the CNN's dense layer before its output layer
 * (inference mode), the description of the image the classifier decides from; images the model finds alike
 * have embeddings that point the same way (compare them by cosine similarity).
 */
public record EmbeddingResponse(
        @Schema(example = "cnn") String model,
        @Schema(example = "1") int version,
        @ArraySchema(arraySchema = @Schema(description = "One embedding per image, in request order"),
                schema = @Schema(type = "array", description = "128 floats (ReLU activations, >= 0)"))
        float[][] embeddings) {
}
