package dev.digitserve.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
 * DL4J networks are not safe for concurrent use, so each call runs on a replica of its own: with one replica
 * (the default) calls are serialised, with {@code n} up to {@code n} run at once. Predictions run on a
 * channels-last copy of the network when it has one ({@link ChannelsLast}: about twice as fast with oneDNN),
 * which is checked against the original when the engine is built; {@link #network()} is always the original,
 * channels-first network (for training and saving).
 *
 * <p>The embedding is the activation of the last dense layer before the output layer (the seed architecture's
 * 128 relu units, also in fine-tuned networks, whose frozen or retrained copy of it keeps its place). A network
 * without such a layer has no embedding ({@link #embeddingSize()} 0).
 */
public final class CnnEngine implements InferenceEngine {
    private static final Logger log = LoggerFactory.getLogger(CnnEngine.class);
    /** Largest difference allowed between the channels-last copy's outputs and the original's. */
    private static final double COPY_TOLERANCE = 1e-4;
    /**
     * The most images one forward pass takes; a larger batch runs as consecutive passes of this size. Why: past it
     * the activations outgrow the caches and DL4J's workspaces, and images/s falls (seed CNN, one session:
     * 6,207 at 64, 5,764 at 128, 2,948 at 512), so chunks keep large batches at the best rate.
     */
    static final int MAX_PASS = 64;

    private final MultiLayerNetwork network;
    /** What serves: channels-last copies when the network has one, otherwise {@link #network} (or clones of it). */
    private final List<MultiLayerNetwork> replicas;
    /** Replicas not in use by a call; a call takes one and gives it back. */
    private final BlockingQueue<MultiLayerNetwork> idle;
    /** The shape the replicas take for a batch of the given size. */
    private final IntFunction<long[]> inputShape;
    private boolean closed;
    private final int classes;
    /** Index of the embedding layer, or -1. */
    private final int embeddingLayer;
    private final int embeddingSize;

    /** One replica: calls are serialised. */
    public CnnEngine(MultiLayerNetwork network) {
        this(network, 1);
    }

    /**
     * {@code replicas} independent serving copies, so that as many calls (batches) may run at once, each on its
     * own copy; more callers wait for a free one. On a machine whose native libraries run one thread per call
     * ({@code OMP_NUM_THREADS=1}), two replicas keep two cores busy with two batches, which measured faster
     * than one batch on two threads (seed CNN, batch 32-64, 2 cores: 7,851-8,000 vs 5,120-6,272 images/s).
     */
    public CnnEngine(MultiLayerNetwork network, int replicas) {
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be positive, was " + replicas);
        }
        this.network = network;
        // the output layer's width: 10 for the digit models, one per label for a fine-tuned one
        this.classes = (int) network.layerSize(network.getnLayers() - 1);
        this.embeddingLayer = embeddingLayer(network);
        this.embeddingSize = embeddingLayer < 0 ? 0 : (int) network.layerSize(embeddingLayer);
        ChannelsLast.Converted copy = ChannelsLast.of(network).filter(this::agrees).orElse(null);
        this.inputShape = copy == null ? count -> new long[] {count, Images.PIXELS} : copy::inputShape;
        MultiLayerNetwork first = copy == null ? network : copy.network();
        List<MultiLayerNetwork> copies = new ArrayList<>(List.of(first));
        while (copies.size() < replicas) {
            copies.add(first.clone());
        }
        this.replicas = List.copyOf(copies);
        this.idle = new ArrayBlockingQueue<>(replicas, false, copies);
    }

    /** Independent serving copies: how many calls may run at once. */
    public int replicas() {
        return replicas.size();
    }

    private MultiLayerNetwork borrow() {
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free replica", e);
        }
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
        return load(modelFile, 1);
    }

    /** As {@link #load(Path)}, with {@code replicas} serving copies (see {@link #CnnEngine(MultiLayerNetwork, int)}). */
    public static CnnEngine load(Path modelFile, int replicas) throws IOException {
        NativeBackend.configure();
        return new CnnEngine(ModelSerializer.restoreMultiLayerNetwork(modelFile.toFile(), false), replicas);
    }

    public MultiLayerNetwork network() {
        return network;
    }

    @Override
    public float[] predict(float[] pixels, int count) {
        float[] result = new float[count * classes];
        inPasses(pixels, count, (replica, input, first, images) -> {
            INDArray output = replica.output(input, false);
            System.arraycopy(output.dup('c').data().asFloat(), 0, result, first * classes, images * classes);
            output.close();
        });
        return result;
    }

    /**
     * One forward pass that keeps every layer's activation (DL4J detaches them from its workspaces, which
     * {@link #predict} avoids: that is why plain predictions do not come this way), read at the embedding layer
     * and at the output layer.
     */
    @Override
    public Outputs predictWithEmbeddings(float[] pixels, int count) {
        if (embeddingLayer < 0) {
            throw new UnsupportedOperationException("this network has no dense layer before its output layer");
        }
        int last = network.getnLayers() - 1;
        float[] classOutputs = new float[count * classes];
        float[] embeddings = new float[count * embeddingSize];
        inPasses(pixels, count, (replica, input, first, images) -> {
            // element 0 is the input, element i + 1 the activation of layer i; no network state is kept
            List<INDArray> activations = replica.feedForwardToLayer(last, input, false);
            System.arraycopy(activations.get(last + 1).dup('c').data().asFloat(), 0, classOutputs,
                    first * classes, images * classes);
            System.arraycopy(activations.get(embeddingLayer + 1).dup('c').data().asFloat(), 0, embeddings,
                    first * embeddingSize, images * embeddingSize);
        });
        return new Outputs(classOutputs, embeddings);
    }

    /** One forward pass over images {@code first .. first + images - 1}, given in the replicas' input shape. */
    private interface Pass {
        void run(MultiLayerNetwork replica, INDArray input, int first, int images);
    }

    /** Checks the pixel count, borrows a replica and runs {@code pass} over the images, at most {@link #MAX_PASS} at a time. */
    private void inPasses(float[] pixels, int count, Pass pass) {
        if (pixels.length != count * Images.PIXELS) {
            throw new IllegalArgumentException("expected " + count * Images.PIXELS + " pixels, got " + pixels.length);
        }
        MultiLayerNetwork replica = borrow();
        try {
            for (int first = 0; first < count; first += MAX_PASS) {
                int images = Math.min(MAX_PASS, count - first);
                try (INDArray input = input(pixels, first, images)) {
                    pass.run(replica, input, first, images);
                }
            }
        } finally {
            idle.add(replica);
        }
    }

    /** Images {@code first .. first + images - 1} in the shape the replicas take (a copy: ND4J owns its buffer). */
    private INDArray input(float[] pixels, int first, int images) {
        float[] chunk = first == 0 && images * Images.PIXELS == pixels.length ? pixels
                : Arrays.copyOfRange(pixels, first * Images.PIXELS, (first + images) * Images.PIXELS);
        return Nd4j.create(chunk, inputShape.apply(images), 'c');
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

    /** Waits for running calls to give their replica back, then frees every copy; calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < replicas.size(); i++) {
            borrow();
        }
        for (MultiLayerNetwork replica : replicas) {
            if (replica != network) {
                replica.close();
            }
        }
        network.close();
    }
}
