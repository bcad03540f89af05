package dev.digitserve.training;

/**
 * The CNN's training parameters; {@link #reference()} holds the reference recipe (the Keras MNIST example:
 * Adadelta with rho 0.95 and Keras' epsilon 1e-7, batch 128, 12 epochs).
 */
public record CnnParameters(int epochs, int batchSize, long seed, int trainingSamples, double rho, double epsilon) {
    public static CnnParameters reference() {
        return new CnnParameters(12, 128, 42, 60_000, 0.95, 1e-7);
    }
}
