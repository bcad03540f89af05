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
 *
 * <p>Engines with an embedding (the CNN kinds: {@link #embeddingSize()} > 0) also answer
 * {@link #predictWithEmbeddings}: the class outputs and the embedding of every image from one forward pass, so a
 * batch that mixes prediction and embedding requests costs one engine call. Plain {@link #predict} stays the
 * cheap path and never computes what nobody asked for.
 */
public interface InferenceEngine extends AutoCloseable {
    /** Classes per image of the digit models (the shipped ones and every Lasso model). */
    int OUTPUT_SIZE = 10;

    float[] predict(float[] pixels, int count);

    /** Outputs per image: {@value #OUTPUT_SIZE} for digit models; a fine-tuned CNN has one per label. Constant. */
    default int classes() {
        return OUTPUT_SIZE;
    }

    /**
     * Floats per image of the embedding ({@code 128} for the CNN kinds: the activations of the dense layer before
     * the output layer), or 0 when the model has none (the Lasso model). Constant.
     */
    default int embeddingSize() {
        return 0;
    }

    /**
     * The class outputs ({@code count * }{@link #classes()} floats, as {@link #predict}) and the embeddings
     * ({@code count * }{@link #embeddingSize()} floats, row i for image i) of one forward pass in inference mode.
     * Same thread-safety and failure rules as {@link #predict}.
     *
     * @throws UnsupportedOperationException when {@link #embeddingSize()} is 0
     */
    default Outputs predictWithEmbeddings(float[] pixels, int count) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no embedding");
    }

    /** What the outputs of an image are: probabilities summing to 1, or raw scores. */
    ClassOutput classOutput();

    /** Releases native memory; the engine must not be used afterwards. */
    @Override
    void close();

    /**
     * Both outputs of one forward pass, row-major, row i for image i; the arrays belong to the receiver.
     *
     * @param classes    {@code count * classes()} floats, as {@link #predict} returns them
     * @param embeddings {@code count * embeddingSize()} floats
     */
    record Outputs(float[] classes, float[] embeddings) {
    }

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
