package dev.digitserve.inference;

/**
 * Runs one loaded model on a batch of MNIST-shaped images.
 *
 * <p>Contract: {@link #predict} takes {@code count} images as one row-major block of
 * {@code count * }{@link Images#PIXELS} floats in [0, 1] (0 = background) and returns
 * {@code count * }{@link #classes()} floats, row i belonging to image i. It is thread-safe
 * (implementations serialise calls where the underlying library is not) and blocks for the duration of the
 * computation. It never keeps a reference to its input. Failures are thrown as runtime exceptions and affect
 * only that call.
 *
 * <p>{@link #classOutput()} is the one place that says what the ten outputs mean; every API asks it.
 */
public interface InferenceEngine extends AutoCloseable {
    /** Classes per image of the digit models (the shipped ones and every Lasso model). */
    int OUTPUT_SIZE = 10;

    float[] predict(float[] pixels, int count);

    /** Outputs per image: {@value #OUTPUT_SIZE} for digit models; a fine-tuned CNN has one per label. Constant. */
    default int classes() {
        return OUTPUT_SIZE;
    }

    /** What the outputs of an image are: probabilities summing to 1, or raw scores. */
    ClassOutput classOutput();

    /** Releases native memory; the engine must not be used afterwards. */
    @Override
    void close();

    /** The meaning of an engine's outputs, with the name both APIs give them. */
    enum ClassOutput {
        PROBABILITIES("probabilities"), SCORES("scores");

        private final String fieldName;

        ClassOutput(String fieldName) {
            this.fieldName = fieldName;
        }

        /** {@code probabilities} or {@code scores}: the v1 field and the V2 output tensor name. */
        public String fieldName() {
            return fieldName;
        }
    }
}
