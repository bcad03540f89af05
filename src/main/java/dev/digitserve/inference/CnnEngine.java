package dev.digitserve.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The CNN as an {@link InferenceEngine}: one DL4J forward pass (inference mode, no dropout) per batch.
 * DL4J networks are not safe for concurrent use, so calls are serialised; one call already uses every
 * native thread.
 *
 * <p>The embedding is the activation of the last dense layer before the output layer (the seed architecture's
 * 128 relu units, also in fine-tuned networks, whose frozen or retrained copy of it keeps its place). A network
 * without such a layer has no embedding ({@link #embeddingSize()} 0).
 */
public final class CnnEngine implements InferenceEngine {
    private final MultiLayerNetwork network;
    private final int classes;
    /** Index of the embedding layer, or -1. */
    private final int embeddingLayer;
    private final int embeddingSize;

    public CnnEngine(MultiLayerNetwork network) {
        this.network = network;
        // the output layer's width: 10 for the digit models, one per label for a fine-tuned one
        this.classes = (int) network.layerSize(network.getnLayers() - 1);
        this.embeddingLayer = embeddingLayer(network);
        this.embeddingSize = embeddingLayer < 0 ? 0 : (int) network.layerSize(embeddingLayer);
    }

    /** The last dense layer before the output layer, looking through the wrappers transfer learning adds; -1 if none. */
    static int embeddingLayer(MultiLayerNetwork network) {
        for (int i = network.getnLayers() - 2; i >= 0; i--) {
            Layer layer = network.getLayerWiseConfigurations().getConf(i).getLayer();
            if (layer instanceof FrozenLayer frozen) {
                layer = frozen.getLayer();
            } else if (layer instanceof FrozenLayerWithBackprop frozen) {
                layer = frozen.getUnderlying();
            }
            if (layer instanceof DenseLayer) {
                return i;
            }
        }
        return -1;
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

    /**
     * One forward pass that keeps every layer's activation (DL4J detaches them from its workspaces, which
     * {@link #predict} avoids: that is why plain predictions do not come this way), read at the embedding layer
     * and at the output layer.
     */
    @Override
    public synchronized Outputs predictWithEmbeddings(float[] pixels, int count) {
        if (embeddingLayer < 0) {
            throw new UnsupportedOperationException("this network has no dense layer before its output layer");
        }
        if (pixels.length != count * Images.PIXELS) {
            throw new IllegalArgumentException("expected " + count * Images.PIXELS + " pixels, got " + pixels.length);
        }
        try (INDArray input = Nd4j.create(pixels, new long[] {count, Images.PIXELS}, 'c')) {
            int last = network.getnLayers() - 1;
            // element 0 is the input, element i + 1 the activation of layer i; no network state is kept
            List<INDArray> activations = network.feedForwardToLayer(last, input, false);
            float[] classOutputs = activations.get(last + 1).dup('c').data().asFloat();
            float[] embeddings = activations.get(embeddingLayer + 1).dup('c').data().asFloat();
            return new Outputs(classOutputs, embeddings);
        }
    }

    @Override
    public int embeddingSize() {
        return embeddingSize;
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
