package dev.digitserve.inference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CNN as an {@link InferenceEngine}: one forward pass (inference mode, no dropout) per batch of up to
 * {@link #MAX_PASS} images.
 * DL4J networks are not safe for concurrent use, so each call runs on a replica of its own: with one replica
 * (the default) calls are serialised, with {@code n} up to {@code n} run at once. Predictions run on a
 * channels-last forward pass of the network when it has one ({@link ChannelsLastForward}: bare ND4J operations on
 * buffers allocated once, about twice as fast as DL4J's own), which is checked against the original when the
 * engine is built; {@link #network()} is always the original, channels-first network (for training and saving).
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
    /** The channels-last forward pass the replicas run, or null when the network itself serves. */
    private final ChannelsLastForward forward;
    /** What serves: passes of the channels-last forward when the network has one, otherwise the network (or clones). */
    private final List<Replica> replicas;
    /** Replicas not in use by a call; a call takes one and gives it back. */
    private final BlockingQueue<Replica> idle;
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
     * than one batch on two threads (seed CNN, batch 32-64, 2 cores: 10,409-10,797 vs 7,061-8,677 images/s).
     * A replica of the channels-last forward pass is only its activation buffers; the weights are shared.
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
        this.forward = ChannelsLastForward.of(network, MAX_PASS).filter(this::agrees).orElse(null);
        List<Replica> copies = new ArrayList<>();
        while (copies.size() < replicas) {
            copies.add(forward != null ? new ForwardReplica(forward.newPass())
                    : new NetworkReplica(copies.isEmpty() ? network : network.clone()));
        }
        this.replicas = List.copyOf(copies);
        this.idle = new ArrayBlockingQueue<>(replicas, false, copies);
    }

    /** Independent serving copies: how many calls may run at once. */
    public int replicas() {
        return replicas.size();
    }

    /** Whether predictions run on the channels-last forward pass (false: on the DL4J network itself). */
    boolean servesChannelsLast() {
        return forward != null;
    }

    private Replica borrow() {
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free replica", e);
        }
    }

    /**
     * Whether the channels-last forward pass gives the original's outputs on a few fixed pseudo-random images. It
     * should by construction; this guards against an operation that handles a setting differently from DL4J.
     */
    private boolean agrees(ChannelsLastForward candidate) {
        int count = 3;
        float[] pixels = new float[count * Images.PIXELS];
        Random random = new Random(7);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextFloat();
        }
        float[] actual = new float[count * classes];
        float[] expected;
        try (ChannelsLastForward.Pass pass = candidate.newPass();
             INDArray flat = Nd4j.create(pixels, new long[] {count, Images.PIXELS}, 'c')) {
            pass.run(pixels, 0, count);
            pass.read(network.getnLayers() - 1, count, actual, 0);
            expected = network.output(flat, false).dup('c').data().asFloat();
        }
        double difference = 0;
        for (int i = 0; i < expected.length; i++) {
            difference = Math.max(difference, Math.abs(expected[i] - actual[i]));
        }
        // "not within" rather than "above": a NaN anywhere makes the difference NaN, which is above nothing
        if (!(difference <= COPY_TOLERANCE)) {
            log.warn("The channels-last forward pass of this network differs from it by {}; serving the original",
                    difference);
            candidate.close();
            return false;
        }
        return true;
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
        int last = network.getnLayers() - 1;
        float[] result = new float[count * classes];
        inPasses(pixels, count, false, (replica, first, images) -> replica.read(last, images, result, first * classes));
        return result;
    }

    /** One forward pass per chunk, read at the embedding layer and at the output layer. */
    @Override
    public Outputs predictWithEmbeddings(float[] pixels, int count) {
        if (embeddingLayer < 0) {
            throw new UnsupportedOperationException("this network has no dense layer before its output layer");
        }
        int last = network.getnLayers() - 1;
        float[] classOutputs = new float[count * classes];
        float[] embeddings = new float[count * embeddingSize];
        inPasses(pixels, count, true, (replica, first, images) -> {
            replica.read(last, images, classOutputs, first * classes);
            replica.read(embeddingLayer, images, embeddings, first * embeddingSize);
        });
        return new Outputs(classOutputs, embeddings);
    }

    /** Reads what one forward pass over images {@code first .. first + images - 1} left in a replica. */
    private interface Reader {
        void read(Replica replica, int first, int images);
    }

    /**
     * Checks the pixel count, borrows a replica and runs it over the images, at most {@link #MAX_PASS} at a time,
     * handing each pass to {@code reader}; {@code everyLayer} when layers other than the output will be read.
     */
    private void inPasses(float[] pixels, int count, boolean everyLayer, Reader reader) {
        if (pixels.length != count * Images.PIXELS) {
            throw new IllegalArgumentException("expected " + count * Images.PIXELS + " pixels, got " + pixels.length);
        }
        Replica replica = borrow();
        try {
            for (int first = 0; first < count; first += MAX_PASS) {
                int images = Math.min(MAX_PASS, count - first);
                replica.run(pixels, first, images, everyLayer);
                reader.read(replica, first, images);
            }
        } finally {
            idle.add(replica);
        }
    }

    /** One serving copy: runs a forward pass, then its layers' activations can be read until the next one. */
    private sealed interface Replica permits ForwardReplica, NetworkReplica {
        void run(float[] pixels, int first, int images, boolean everyLayer);

        /** Copies layer {@code layer}'s activation for the last pass's images into {@code target} at {@code offset}. */
        void read(int layer, int images, float[] target, int offset);

        void close();
    }

    private record ForwardReplica(ChannelsLastForward.Pass pass) implements Replica {
        @Override
        public void run(float[] pixels, int first, int images, boolean everyLayer) {
            pass.run(pixels, first, images);
        }

        @Override
        public void read(int layer, int images, float[] target, int offset) {
            pass.read(layer, images, target, offset);
        }

        @Override
        public void close() {
            pass.close();
        }
    }

    /** The DL4J network itself, for networks the channels-last forward pass does not know. */
    private static final class NetworkReplica implements Replica {
        private final MultiLayerNetwork network;
        /** The last pass's activations: element i is layer i's; only the output layer's after a plain pass. */
        private final INDArray[] activations;

        NetworkReplica(MultiLayerNetwork network) {
            this.network = network;
            this.activations = new INDArray[network.getnLayers()];
        }

        @Override
        public void run(float[] pixels, int first, int images, boolean everyLayer) {
            float[] chunk = first == 0 && images * Images.PIXELS == pixels.length ? pixels
                    : Arrays.copyOfRange(pixels, first * Images.PIXELS, (first + images) * Images.PIXELS);
            int last = network.getnLayers() - 1;
            release();
            try (INDArray input = Nd4j.create(chunk, new long[] {images, Images.PIXELS}, 'c')) {
                if (everyLayer) {
                    // element 0 is the input, element i + 1 the activation of layer i; DL4J detaches them all
                    List<INDArray> all = network.feedForwardToLayer(last, input, false);
                    for (int i = 0; i <= last; i++) {
                        activations[i] = all.get(i + 1);
                    }
                } else {
                    // plain output stays in DL4J's workspaces until the output itself, which is cheaper
                    activations[last] = network.output(input, false);
                }
            }
        }

        @Override
        public void read(int layer, int images, float[] target, int offset) {
            float[] values = activations[layer].dup('c').data().asFloat();
            System.arraycopy(values, 0, target, offset, values.length);
        }

        /** Frees the last pass's activations now rather than when the garbage collector finds them. */
        private void release() {
            for (int i = 0; i < activations.length; i++) {
                if (activations[i] != null && !activations[i].wasClosed()) {
                    activations[i].close();
                }
                activations[i] = null;
            }
        }

        @Override
        public void close() {
            release();
            network.close();
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
        for (Replica replica : replicas) {
            replica.close();
        }
        if (forward == null) {
            return; // the first replica was the network itself
        }
        forward.close();
        network.close();
    }
}
