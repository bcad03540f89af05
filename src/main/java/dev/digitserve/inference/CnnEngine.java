package dev.digitserve.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CNN as an {@link InferenceEngine}: one DL4J forward pass (inference mode, no dropout) per batch.
 * DL4J networks are not safe for concurrent use, so calls are serialised; one call already uses every
 * native thread. Predictions run on a channels-last copy of the network when it has one ({@link ChannelsLast}:
 * about twice as fast with oneDNN), which is checked against the original when the engine is built;
 * {@link #network()} is always the original, channels-first network (for training and saving).
 *
 * <p>The embedding is the activation of the last dense layer before the output layer (the seed architecture's
 * 128 relu units, also in fine-tuned networks, whose frozen or retrained copy of it keeps its place). A network
 * without such a layer has no embedding ({@link #embeddingSize()} 0).
 */
public final class CnnEngine implements InferenceEngine {
    private static final Logger log = LoggerFactory.getLogger(CnnEngine.class);
    /** Largest difference allowed between the channels-last copy's outputs and the original's. */
    private static final double COPY_TOLERANCE = 1e-4;

    private final MultiLayerNetwork network;
    /** What serves: the channels-last copy when there is one, otherwise {@link #network}. */
    private final MultiLayerNetwork serving;
    /** The shape {@link #serving} takes for a batch of the given size. */
    private final IntFunction<long[]> inputShape;
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
        ChannelsLast.Converted copy = ChannelsLast.of(network).filter(this::agrees).orElse(null);
        this.serving = copy == null ? network : copy.network();
        this.inputShape = copy == null ? count -> new long[] {count, Images.PIXELS} : copy::inputShape;
    }

    /**
     * Whether the channels-last copy gives the original's outputs on a few fixed pseudo-random images. It
     * should by construction; this guards against a DL4J layer that handles the format differently.
     */
    private boolean agrees(ChannelsLast.Converted copy) {
        int count = 3;
        float[] pixels = new float[count * Images.PIXELS];
        Random random = new Random(7);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        try (INDArray flat = Nd4j.create(pixels, new long[] {count, Images.PIXELS}, 'c');
             INDArray shaped = Nd4j.create(pixels, copy.inputShape(count), 'c')) {
            double difference = Transforms.abs(network.output(flat, false).sub(copy.network().output(shaped, false)))
                    .maxNumber().doubleValue();
            if (difference > COPY_TOLERANCE) {
                log.warn("The channels-last copy of this network differs from it by {}; serving the original", difference);
                copy.network().close();
                return false;
            }
            return true;
        }
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
        try (INDArray input = Nd4j.create(pixels, inputShape.apply(count), 'c')) {
            INDArray output = serving.output(input, false);
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
        try (INDArray input = Nd4j.create(pixels, inputShape.apply(count), 'c')) {
            int last = network.getnLayers() - 1;
            // element 0 is the input, element i + 1 the activation of layer i; no network state is kept
            List<INDArray> activations = serving.feedForwardToLayer(last, input, false);
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
        if (serving != network) {
            serving.close();
        }
        network.close();
    }
}
