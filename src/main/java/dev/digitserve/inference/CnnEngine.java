package dev.digitserve.inference;

import java.io.IOException;
import java.nio.file.Path;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The CNN as an {@link InferenceEngine}: one DL4J forward pass (inference mode, no dropout) per batch.
 * DL4J networks are not safe for concurrent use, so calls are serialised; one call already uses every
 * native thread.
 */
public final class CnnEngine implements InferenceEngine {
    private final MultiLayerNetwork network;
    private final int classes;

    public CnnEngine(MultiLayerNetwork network) {
        this.network = network;
        // the output layer's width: 10 for the digit models, one per label for a fine-tuned one
        this.classes = (int) network.layerSize(network.getnLayers() - 1);
    }

    /** Loads a DL4J ModelSerializer file (updater state is not needed for inference and is skipped). */
    public static CnnEngine load(Path modelFile) throws IOException {
        NativeBackend.configure();
        return new CnnEngine(ModelSerializer.restoreMultiLayerNetwork(modelFile.toFile(), false));
    }

    public MultiLayerNetwork network() {
        return network;
    }

    @Override
    public synchronized float[] predict(float[] pixels, int count) {
        if (pixels.length != count * Images.PIXELS) {
            throw new IllegalArgumentException("expected " + count * Images.PIXELS + " pixels, got " + pixels.length);
        }
        try (INDArray input = Nd4j.create(pixels, new long[] {count, Images.PIXELS}, 'c')) {
            INDArray output = network.output(input, false);
            float[] result = output.dup('c').data().asFloat();
            output.close();
            return result;
        }
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public ClassOutput classOutput() {
        return ClassOutput.PROBABILITIES;
    }

    @Override
    public synchronized void close() {
        network.close();
    }
}
