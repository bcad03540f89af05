package dev.digitserve.training;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;

/**
 * What to train. Omitted parameters take the seed recipe's values ({@link #withDefaults()}); parameters
 * of the other model kind are ignored.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "A training run; every parameter is optional and defaults to the seed recipe")
public record TrainingJobRequest(
        @NotNull @Pattern(regexp = "cnn|lasso", message = "must be cnn or lasso")
        @Schema(example = "cnn", allowableValues = {"cnn", "lasso"}) String model,
        @Schema(description = "serve the new version once it is evaluated and loaded", defaultValue = "true") Boolean promote,
        @Min(1) @Max(100) @Schema(description = "CNN", defaultValue = "12", example = "1") Integer epochs,
        @Min(1) @Max(4096) @Schema(description = "CNN", defaultValue = "128") Integer batchSize,
        @Schema(description = "CNN", defaultValue = "42") Long seed,
        @Min(1) @Max(60000) @Schema(description = "CNN and Lasso: the first N training images", defaultValue = "60000", example = "5000") Integer trainingSamples,
        @DecimalMin(value = "0", inclusive = false) @DecimalMax(value = "1", inclusive = false)
        @Schema(description = "CNN: Adadelta rho", defaultValue = "0.95") Double rho,
        @DecimalMin(value = "0", inclusive = false) @DecimalMax("0.01")
        @Schema(description = "CNN: Adadelta epsilon", defaultValue = "1e-7") Double epsilon,
        @Positive @DecimalMax("1000") @Schema(description = "Lasso: L1 penalty", defaultValue = "0.1") Double alpha,
        @Min(1) @Max(100000) @Schema(description = "Lasso: coordinate-descent sweeps", defaultValue = "2000") Integer maxIterations,
        @Positive @DecimalMax("1") @Schema(description = "Lasso: stopping tolerance", defaultValue = "1e-4") Double tolerance,
        @DecimalMin("0") @DecimalMax("1") @Schema(description = "Lasso: pixel variance filter", defaultValue = "0.01") Double varianceThreshold) {

    /** The same request with every omitted parameter of its model kind filled in from the seed recipe. */
    public TrainingJobRequest withDefaults() {
        CnnParameters cnn = CnnParameters.reference();
        LassoParameters lasso = LassoParameters.reference();
        boolean isCnn = "cnn".equals(model);
        return new TrainingJobRequest(model, promote == null || promote,
                isCnn ? or(epochs, cnn.epochs()) : null,
                isCnn ? or(batchSize, cnn.batchSize()) : null,
                isCnn ? or(seed, cnn.seed()) : null,
                or(trainingSamples, isCnn ? cnn.trainingSamples() : lasso.trainingSamples()),
                isCnn ? or(rho, cnn.rho()) : null,
                isCnn ? or(epsilon, cnn.epsilon()) : null,
                isCnn ? null : or(alpha, lasso.alpha()),
                isCnn ? null : or(maxIterations, lasso.maxIterations()),
                isCnn ? null : or(tolerance, lasso.tolerance()),
                isCnn ? null : or(varianceThreshold, lasso.varianceThreshold()));
    }

    CnnParameters cnnParameters() {
        return new CnnParameters(epochs, batchSize, seed, trainingSamples, rho, epsilon);
    }

    LassoParameters lassoParameters() {
        return new LassoParameters(alpha, maxIterations, tolerance, varianceThreshold, trainingSamples);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
