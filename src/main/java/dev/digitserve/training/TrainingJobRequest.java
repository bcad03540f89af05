package dev.digitserve.training;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.swagger.v3.oas.annotations.media.Schema;
import com.fasterxml.jackson.annotation.JsonIgnore;
import jakarta.validation.Valid;
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
 *
 * <p>{@code model} is the model the job publishes a version of. Without a {@code dataset} it is {@code cnn} or
 * {@code lasso} and names the recipe too (training from scratch on MNIST). With a {@code dataset} the job
 * fine-tunes a CNN ({@code base}, default the served version of {@code cnn}) and may publish under any model
 * name ({@code "symbols"}); {@code freeze} says whether the convolution layers keep the base's weights
 * ({@code features}, the default) or train too ({@code none}); {@code include: "mnist"} adds the MNIST training
 * digits (the first {@code trainingSamples}) so that digits 0-9 keep their indices and the dataset's other
 * labels follow.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "A training run; every parameter is optional and defaults to the seed recipe")
@ValidTrainingJob
public record TrainingJobRequest(
        @NotNull @Pattern(regexp = "[a-z0-9][a-z0-9_-]{0,63}", message = "must be cnn or lasso, or (for a fine-tuning"
                + " job, with a dataset) a model name of a-z, 0-9, _ and -")
        @Schema(example = "cnn", description = "cnn or lasso; with a dataset, any model name to publish to") String model,
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
        @DecimalMin("0") @DecimalMax("1") @Schema(description = "Lasso: pixel variance filter", defaultValue = "0.01") Double varianceThreshold,
        @Valid @Schema(description = "Fine-tuning: the CNN version to start from; default the served version of cnn")
        Base base,
        @Pattern(regexp = "[0-9a-f-]{36}", message = "must be a dataset id")
        @Schema(description = "Fine-tuning: the dataset to train on (its id)") String dataset,
        @Pattern(regexp = "features|none", message = "must be features or none")
        @Schema(description = "Fine-tuning: features = convolution layers frozen, none = everything trains",
                defaultValue = "features", allowableValues = {"features", "none"}) String freeze,
        @Pattern(regexp = "mnist", message = "must be mnist")
        @Schema(description = "Fine-tuning: also train on the MNIST training digits (adding classes)",
                allowableValues = {"mnist"}) String include) {

    /** Fine-tuning's default epochs: it starts from trained weights. */
    static final int FINE_TUNE_EPOCHS = 5;

    /** The model version a fine-tuning job starts from. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Base(
            @NotNull @Pattern(regexp = "[a-z0-9][a-z0-9_-]{0,63}", message = "must be a model name")
            @Schema(example = "cnn") String model,
            @Min(1) @Schema(description = "default: its served version", example = "1") Integer version) {
    }

    /** A training run from scratch (no fine-tuning). */
    public TrainingJobRequest(String model, Boolean promote, Integer epochs, Integer batchSize, Long seed,
                              Integer trainingSamples, Double rho, Double epsilon, Double alpha, Integer maxIterations,
                              Double tolerance, Double varianceThreshold) {
        this(model, promote, epochs, batchSize, seed, trainingSamples, rho, epsilon, alpha, maxIterations, tolerance,
                varianceThreshold, null, null, null, null);
    }

    /** True when the job fine-tunes a CNN on a dataset. */
    @JsonIgnore
    public boolean isFineTuning() {
        return dataset != null;
    }

    /** True when the job trains a CNN (from scratch or by fine-tuning). */
    @JsonIgnore
    boolean isCnn() {
        return isFineTuning() || "cnn".equals(model);
    }

    /** The same request naming the base version it will start from. */
    TrainingJobRequest withBase(Base resolved) {
        return new TrainingJobRequest(model, promote, epochs, batchSize, seed, trainingSamples, rho, epsilon, alpha,
                maxIterations, tolerance, varianceThreshold, resolved, dataset, freeze, include);
    }

    /** The same request with every omitted parameter of its model kind filled in from the seed recipe. */
    public TrainingJobRequest withDefaults() {
        CnnParameters cnn = CnnParameters.reference();
        LassoParameters lasso = LassoParameters.reference();
        boolean isCnn = isCnn();
        boolean fineTuning = isFineTuning();
        return new TrainingJobRequest(model, promote == null || promote,
                isCnn ? or(epochs, fineTuning ? FINE_TUNE_EPOCHS : cnn.epochs()) : null,
                isCnn ? or(batchSize, cnn.batchSize()) : null,
                isCnn ? or(seed, cnn.seed()) : null,
                or(trainingSamples, isCnn ? cnn.trainingSamples() : lasso.trainingSamples()),
                isCnn ? or(rho, cnn.rho()) : null,
                isCnn ? or(epsilon, cnn.epsilon()) : null,
                isCnn ? null : or(alpha, lasso.alpha()),
                isCnn ? null : or(maxIterations, lasso.maxIterations()),
                isCnn ? null : or(tolerance, lasso.tolerance()),
                isCnn ? null : or(varianceThreshold, lasso.varianceThreshold()),
                fineTuning ? or(base, new Base("cnn", null)) : null,
                dataset,
                fineTuning ? or(freeze, "features") : null,
                fineTuning ? include : null);
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
