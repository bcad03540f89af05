package dev.digitserve.inference;

/**
 * Runs one loaded model on a batch of MNIST-shaped images.
 *
 * <p>Contract: {@link #predict} takes {@code count} images as one row-major block of
 * {@code count * 784} floats in [0, 1] (0 = background) and returns {@code count * 10} floats, row i
 * belonging to image i. It is thread-safe (implementations serialise calls where the underlying library
 * is not) and blocks for the duration of the computation. It never keeps a reference to its input.
 * Failures are thrown as runtime exceptions and affect only that call.
 */
public interface InferenceEngine extends AutoCloseable {
    int INPUT_SIZE = 784;
    int OUTPUT_SIZE = 10;

    float[] predict(float[] pixels, int count);

    /** True when the 10 outputs of an image are probabilities summing to 1, false for raw scores. */
    boolean outputsProbabilities();

    /** Releases native memory; the engine must not be used afterwards. */
    @Override
    void close();
}
