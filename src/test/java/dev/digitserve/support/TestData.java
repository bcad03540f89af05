package dev.digitserve.support;

import java.nio.file.Path;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;

/** Where the build put MNIST and the shipped models; loaded once per test JVM. */
public final class TestData {
    private static MnistDataset test;
    private static MnistDataset train;

    private TestData() {
    }

    public static Path mnistDir() {
        return Path.of(System.getProperty("digitserve.test.mnist-dir", "data/mnist"));
    }

    public static Path shippedModelsDir() {
        return Path.of(System.getProperty("digitserve.test.models-dir", "models"));
    }

    public static synchronized MnistDataset testSet() {
        if (test == null) {
            test = Mnist.test(mnistDir());
        }
        return test;
    }

    public static synchronized MnistDataset trainingSet() {
        if (train == null) {
            train = Mnist.train(mnistDir());
        }
        return train;
    }
}
