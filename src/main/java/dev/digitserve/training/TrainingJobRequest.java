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
 * labels follow. {@code augment} (CNN jobs, scratch or fine-tuning) trains on distorted copies of the training
 * images; without it there is no augmentation.
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
                allowableValues = {"mnist"}) String include,
        @Valid @Schema(description = "CNN: artificial data, distorted copies of the training images drawn afresh for"
                + " every batch (off when absent); recorded in the model card") Augment augment) {

    /** Fine-tuning's default epochs: it starts from trained weights. */
    static final int FINE_TUNE_EPOCHS = 5;

    /** The model version a fine-tuning job starts from. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Base(
            @NotNull @Pattern(regexp = "[a-z0-9][a-z0-9_-]{0,63}", message = "must be a model name")
            @Schema(example = "cnn") String model,
            @Min(1) @Schema(description = "default: its served version", example = "1") Integer version) {
    }

    /**
     * Artificial data for a CNN job ({@link Augmentation}): each omitted option is off (rotation and shift 0,
     * scale 1, no elastic distortion); {@code elasticSigma} is required when {@code elasticAlpha} > 0. The ranges
     * are {@link Augmentation}'s, checked here so that a wrong value is a 400 naming the field.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "TrainingAugmentation")
    public record Augment(
            @DecimalMin("0") @DecimalMax("45") @Schema(description = "largest rotation either way, degrees", example = "10")
            Double rotationDegrees,
            @DecimalMin("0") @DecimalMax("6") @Schema(description = "largest shift either way, pixels", example = "2")
            Double shiftPixels,
            @DecimalMin("0.5") @DecimalMax("1") @Schema(description = "smallest scale factor", example = "0.9")
            Double scaleMin,
            @DecimalMin("1") @DecimalMax("1.5") @Schema(description = "largest scale factor", example = "1.1")
            Double scaleMax,
            @DecimalMin("0") @DecimalMax("40") @Schema(description = "elastic distortion strength in pixels (0 = none)",
                    example = "0") Double elasticAlpha,
            @DecimalMin(value = "0", inclusive = false) @DecimalMax("10")
            @Schema(description = "smoothness of the elastic field in pixels; required when elasticAlpha > 0")
            Double elasticSigma) {

        /** The options with every omitted one filled in as off, as the job records and the card show them. */
        Augment withDefaults() {
            return new Augment(or(rotationDegrees, 0.0), or(shiftPixels, 0.0), or(scaleMin, 1.0), or(scaleMax, 1.0),
                    or(elasticAlpha, 0.0), elasticSigma);
        }

        Augmentation toAugmentation() {
            Augment full = withDefaults();
            return new Augmentation(full.rotationDegrees(), full.shiftPixels(), full.scaleMin(), full.scaleMax(),
                    full.elasticAlpha(), full.elasticSigma() == null ? 0 : full.elasticSigma());
        }
    }

    /** A training run from scratch (no fine-tuning). */
    public TrainingJobRequest(String model, Boolean promote, Integer epochs, Integer batchSize, Long seed,
                              Integer trainingSamples, Double rho, Double epsilon, Double alpha, Integer maxIterations,
                              Double tolerance, Double varianceThreshold) {
        this(model, promote, epochs, batchSize, seed, trainingSamples, rho, epsilon, alpha, maxIterations, tolerance,
                varianceThreshold, null, null, null, null, null);
    }

    /** A run without artificial data. */
    public TrainingJobRequest(String model, Boolean promote, Integer epochs, Integer batchSize, Long seed,
                              Integer trainingSamples, Double rho, Double epsilon, Double alpha, Integer maxIterations,
                              Double tolerance, Double varianceThreshold, Base base, String dataset, String freeze,
                              String include) {
        this(model, promote, epochs, batchSize, seed, trainingSamples, rho, epsilon, alpha, maxIterations, tolerance,
                varianceThreshold, base, dataset, freeze, include, null);
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
                maxIterations, tolerance, varianceThreshold, resolved, dataset, freeze, include, augment);
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
                fineTuning ? include : null,
                isCnn && augment != null ? augment.withDefaults() : null);
    }

    CnnParameters cnnParameters() {
        CnnParameters parameters = new CnnParameters(epochs, batchSize, seed, trainingSamples, rho, epsilon);
        return augment == null ? parameters : parameters.withAugmentation(augment.toAugmentation());
    }

    LassoParameters lassoParameters() {
        return new LassoParameters(alpha, maxIterations, tolerance, varianceThreshold, trainingSamples);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
