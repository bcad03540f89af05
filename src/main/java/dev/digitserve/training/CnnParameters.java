package dev.digitserve.training;

/**
 * The CNN's training parameters; {@link #reference()} holds the reference recipe (the Keras MNIST example:
 * Adadelta with rho 0.95 and Keras' epsilon 1e-7, batch 128, 12 epochs, no augmentation). {@code augmentation}
 * distorts every training batch afresh (see {@link Augmentation}); the test set is never augmented.
 * {@code optimizer} is the reference Adadelta unless a recipe asks for Adam with a decaying learning rate
 * (see {@link Optimizer}); {@code rho} and {@code epsilon} are Adadelta's.
 */
public record CnnParameters(int epochs, int batchSize, long seed, int trainingSamples, double rho, double epsilon,
                            Augmentation augmentation, Optimizer optimizer) {

    public CnnParameters {
        augmentation = augmentation == null ? Augmentation.NONE : augmentation;
        optimizer = optimizer == null ? Optimizer.ADADELTA : optimizer;
    }

    /** Without artificial data. */
    public CnnParameters(int epochs, int batchSize, long seed, int trainingSamples, double rho, double epsilon) {
        this(epochs, batchSize, seed, trainingSamples, rho, epsilon, Augmentation.NONE, Optimizer.ADADELTA);
    }

    public static CnnParameters reference() {
        return new CnnParameters(12, 128, 42, 60_000, 0.95, 1e-7);
    }

    public CnnParameters withAugmentation(Augmentation newAugmentation) {
        return new CnnParameters(epochs, batchSize, seed, trainingSamples, rho, epsilon, newAugmentation, optimizer);
    }

    public CnnParameters withOptimizer(Optimizer newOptimizer) {
        return new CnnParameters(epochs, batchSize, seed, trainingSamples, rho, epsilon, augmentation, newOptimizer);
    }
}
