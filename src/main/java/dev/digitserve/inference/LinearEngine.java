package dev.digitserve.inference;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The folded Lasso pipeline as an {@link InferenceEngine}: one GEMM ({@code N x 784} by {@code 784 x 10})
 * plus a bias row per batch. Outputs are raw regression scores, not probabilities.
 */
public final class LinearEngine implements InferenceEngine {
    private final INDArray weights;
    private final INDArray bias;

    public LinearEngine(LassoPipeline.AffineMap map) {
        NativeBackend.configure();
        this.weights = Nd4j.create(map.weights(), new long[] {Images.PIXELS, OUTPUT_SIZE}, 'c');
        this.bias = Nd4j.create(map.bias(), new long[] {1, OUTPUT_SIZE}, 'c');
    }

    @Override
    public float[] predict(float[] pixels, int count) {
        if (pixels.length != count * Images.PIXELS) {
            throw new IllegalArgumentException("expected " + count * Images.PIXELS + " pixels, got " + pixels.length);
        }
        try (INDArray input = Nd4j.create(pixels, new long[] {count, Images.PIXELS}, 'c');
             INDArray scores = input.mmul(weights)) {
            scores.addiRowVector(bias);
            return scores.dup('c').data().asFloat();
        }
    }

    @Override
    public ClassOutput classOutput() {
        return ClassOutput.SCORES;
    }

    @Override
    public void close() {
        weights.close();
        bias.close();
    }
}
