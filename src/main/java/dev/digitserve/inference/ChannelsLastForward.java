package dev.digitserve.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The forward pass of a channels-first DL4J CNN, for inference only, run channels-last (NHWC) as a fixed list of
 * ND4J operations on buffers allocated once.
 *
 * <p>Why not DL4J's own {@code output}: two costs that are not arithmetic. oneDNN's convolutions on this CPU run
 * about twice as fast on channels-last data (the seed's second convolution: 9.4 ms NCHW vs 4.5 ms NHWC for 64
 * images), while DL4J keeps activations channels-first; and each {@code output} call validates, copies its
 * input into a workspace, detaches its output, and multiplies the dense layers through OpenBLAS, which packs
 * the whole weight matrix on every call (534 µs at batch 1 for the seed's 9216 x 128 layer, against 190 µs
 * with libnd4j's {@code matmul}). This runs the same layers as the bare {@code conv2d}, {@code maxpool2d} and
 * {@code matmul} operations, each writing into a buffer of the pass, with the layers' own DL4J activation
 * functions. Model files stay channels-first (DL4J's own channels-last training is slower: seed CNN, 75.0 vs
 * 49.2 s/epoch); training computes channels-last the same way ({@code training.ChannelsLastTrainingStep}).
 *
 * <p>Contract: {@link #of} returns a forward pass that computes, on flat {@code N x H*W} pixels, the function the
 * network computes in inference mode (no dropout), with the activation of every layer readable by its index. It
 * returns empty when the network is not a plain stack it knows: a flat single-channel input reshaped by DL4J's
 * {@link FeedForwardToCnnPreProcessor}; convolution (truncate, strict or same mode), max-pooling and dropout
 * layers; one flattening step; dense, dropout and output layers; each possibly frozen. Callers verify it
 * numerically before using it ({@link CnnEngine} does). The plan is immutable and may be shared; a {@link Pass}
 * holds the buffers and is for one thread at a time; a pass of up to {@value #SINGLE_THREAD_UP_TO} images runs
 * on one native thread, a larger one on OpenMP's default count.
 */
final class ChannelsLastForward implements AutoCloseable {
    /** libnd4j's integer argument values after a window: the data format, the weight layout, pooling's unused extra. */
    private static final int CHANNELS_LAST = 1;
    private static final int WEIGHTS_HEIGHT_WIDTH_IN_OUT = 0;
    private static final int UNUSED = 0;
    /**
     * Passes of up to this many images run on one native thread. Why: waking the second OpenMP thread (asleep
     * under {@code OMP_WAIT_POLICY=PASSIVE}) costs more than it saves on small operations. Seed CNN, µs per pass,
     * 2 threads vs 1: batch 1 995 vs 655, 4 1,791 vs 1,321, 8 2,321 vs 2,179, 16 3,249 vs 3,254, 32 4,554 vs
     * 6,126. It also leaves the other core to the HTTP threads at light load.
     */
    static final int SINGLE_THREAD_UP_TO = 16;
    /** OpenMP's thread count for a thread that has not set its own (OMP_NUM_THREADS, or the cores). */
    private static final int DEFAULT_THREADS = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();

    private final List<Step> steps;
    private final int inputHeight;
    private final int inputWidth;
    private final int maxImages;

    private ChannelsLastForward(List<Step> steps, int inputHeight, int inputWidth, int maxImages) {
        this.steps = steps;
        this.inputHeight = inputHeight;
        this.inputWidth = inputWidth;
        this.maxImages = maxImages;
    }

    /** The network's forward pass for up to {@code maxImages} images per run, or empty if it has a layer this does not know. */
    static Optional<ChannelsLastForward> of(MultiLayerNetwork network, int maxImages) {
        MultiLayerConfiguration configuration = network.getLayerWiseConfigurations();
        Map<Integer, InputPreProcessor> preprocessors = configuration.getInputPreProcessors();
        if (preprocessors.size() != 2 || !(preprocessors.get(0) instanceof FeedForwardToCnnPreProcessor toCnn)
                || toCnn.getNumChannels() != 1) {
            return Optional.empty();
        }
        int layers = configuration.getConfs().size();
        InputType type = InputType.convolutional(toCnn.getInputHeight(), toCnn.getInputWidth(), 1);
        List<Step> steps = new ArrayList<>();
        // the last spatial shape once the activations are flattened, until a dense layer has taken it into account
        InputType.InputTypeConvolutional flattenedFrom = null;
        for (int i = 0; i < layers; i++) {
            InputPreProcessor preprocessor = preprocessors.get(i);
            if (i > 0 && preprocessor != null && !(preprocessor instanceof CnnToFeedForwardPreProcessor)) {
                return Optional.empty();
            }
            if (preprocessor instanceof CnnToFeedForwardPreProcessor
                    && type instanceof InputType.InputTypeConvolutional convolutional) {
                flattenedFrom = convolutional;
                type = preprocessor.getOutputType(type);
            }
            Layer layer = unwrap(configuration.getConf(i).getLayer());
            Map<String, INDArray> parameters = network.getLayer(i).paramTable();
            InputType output = layer.getOutputType(i, type);
            Step step = step(layer, parameters, type, output, flattenedFrom);
            if (step == null) {
                return Optional.empty();
            }
            if (step instanceof Dense) {
                flattenedFrom = null;
            }
            steps.add(step);
            type = output;
        }
        if (type.getType() != InputType.Type.FF) {
            return Optional.empty();
        }
        return Optional.of(new ChannelsLastForward(List.copyOf(steps), (int) toCnn.getInputHeight(),
                (int) toCnn.getInputWidth(), maxImages));
    }

    /**
     * One layer as a step, or null if this does not know the layer or its settings. {@code flattenedFrom}: the
     * spatial shape a dense layer's input was flattened from, whose rows it must reorder; null if none.
     */
    private static Step step(Layer layer, Map<String, INDArray> parameters, InputType input, InputType output,
                             InputType.InputTypeConvolutional flattenedFrom) {
        boolean spatial = input instanceof InputType.InputTypeConvolutional;
        if (layer.getClass() == DropoutLayer.class) {
            return new PassThrough();
        }
        if (spatial && layer.getClass() == ConvolutionLayer.class) {
            ConvolutionLayer convolution = (ConvolutionLayer) layer;
            if (!ChannelsLastLayout.knownMode(convolution.getConvolutionMode())) {
                return null;
            }
            // DL4J keeps [out, in, kH, kW]; oneDNN's channels-last convolution takes [kH, kW, in, out]
            INDArray weights = parameters.get("W").permute(2, 3, 1, 0).dup('c');
            INDArray bias = convolution.hasBias() ? parameters.get("b").reshape(-1).dup('c') : null;
            int[] arguments = ChannelsLastLayout.window(convolution.getKernelSize(), convolution.getStride(),
                    convolution.getPadding(), convolution.getDilation(), convolution.getConvolutionMode(),
                    CHANNELS_LAST, WEIGHTS_HEIGHT_WIDTH_IN_OUT);
            return new Convolution(weights, bias, arguments, convolution.getActivationFn(),
                    ChannelsLastLayout.perImage(output));
        }
        if (spatial && layer.getClass() == SubsamplingLayer.class) {
            SubsamplingLayer pooling = (SubsamplingLayer) layer;
            if (pooling.getPoolingType() != PoolingType.MAX
                    || !ChannelsLastLayout.knownMode(pooling.getConvolutionMode())) {
                return null;
            }
            int[] arguments = ChannelsLastLayout.window(pooling.getKernelSize(), pooling.getStride(),
                    pooling.getPadding(), pooling.getDilation(), pooling.getConvolutionMode(), UNUSED, CHANNELS_LAST);
            return new MaxPooling(arguments, ChannelsLastLayout.perImage(output));
        }
        boolean dense = layer.getClass() == DenseLayer.class && !((DenseLayer) layer).hasLayerNorm();
        if (!spatial && (dense || layer.getClass() == OutputLayer.class)) {
            INDArray weights = parameters.get("W");
            if (flattenedFrom != null) {
                // rows were ordered (channel, y, x) by the channels-first flatten; channels-last flattens (y, x, channel)
                long channels = flattenedFrom.getChannels();
                long height = flattenedFrom.getHeight();
                long width = flattenedFrom.getWidth();
                weights = weights.reshape('c', channels, height, width, weights.size(1)).permute(1, 2, 0, 3)
                        .dup('c').reshape('c', height * width * channels, weights.size(1));
            }
            boolean hasBias = dense ? ((DenseLayer) layer).hasBias() : ((OutputLayer) layer).hasBias();
            INDArray bias = hasBias ? parameters.get("b").reshape(1, -1).dup('c') : null;
            return new Dense(weights.dup('c'), bias, ((FeedForwardLayer) layer).getActivationFn());
        }
        return null;
    }

    private static Layer unwrap(Layer layer) {
        if (layer instanceof FrozenLayer frozen) {
            return frozen.getLayer();
        }
        if (layer instanceof FrozenLayerWithBackprop frozen) {
            return frozen.getUnderlying();
        }
        return layer;
    }

    /** Frees the rearranged parameters' native memory; close every {@link Pass} first. */
    @Override
    public void close() {
        for (Step step : steps) {
            for (INDArray parameter : step.parameters()) {
                if (!parameter.wasClosed()) {
                    parameter.close();
                }
            }
        }
    }

    /** Buffers for one run at a time of up to {@code maxImages} images. */
    Pass newPass() {
        return new Pass();
    }

    /** A layer of the plan: reads the previous activation, writes its own (or passes the previous one on). */
    private sealed interface Step permits Convolution, MaxPooling, Dense, PassThrough {
        /** The shape of one image's activation, or null when the step passes its input on unchanged. */
        long[] outputShape();

        void run(INDArray input, INDArray output);

        /** The arrays the step owns (its rearranged copy of the layer's parameters). */
        default List<INDArray> parameters() {
            return List.of();
        }
    }

    private record PassThrough() implements Step {
        @Override
        public long[] outputShape() {
            return null;
        }

        @Override
        public void run(INDArray input, INDArray output) {
            // dropout is the identity at inference
        }
    }

    private record Convolution(INDArray weights, INDArray bias, int[] arguments, IActivation activation, long[] shape)
            implements Step {
        @Override
        public long[] outputShape() {
            return shape;
        }

        @Override
        public void run(INDArray input, INDArray output) {
            DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d")
                    .addInputs(bias == null ? new INDArray[] {input, weights} : new INDArray[] {input, weights, bias})
                    .addOutputs(output).addIntegerArguments(arguments);
            Nd4j.exec(op.build());
            activate(activation, output);
        }

        @Override
        public List<INDArray> parameters() {
            return weightsAndBias(weights, bias);
        }
    }

    private record MaxPooling(int[] arguments, long[] shape) implements Step {
        @Override
        public long[] outputShape() {
            return shape;
        }

        @Override
        public void run(INDArray input, INDArray output) {
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(input).addOutputs(output)
                    .addIntegerArguments(arguments).build());
        }
    }

    /**
     * {@code weights} is {@code [in, out]}, row-major. The product runs as libnd4j's {@code matmul} operation
     * rather than ND4J's {@code mmul} (OpenBLAS), which packs the whole weight matrix on every call: seed's
     * 9216 x 128 layer, µs, one thread: batch 1 187-194 vs 534, 8 232 vs 517, 16 370 vs 523, 64 1,032 vs 1,210;
     * two threads, 64: 867 vs 1,373.
     */
    private record Dense(INDArray weights, INDArray bias, IActivation activation) implements Step {
        @Override
        public long[] outputShape() {
            return new long[] {weights.size(1)};
        }

        @Override
        public void run(INDArray input, INDArray output) {
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(input, weights).addOutputs(output).build());
            if (bias != null) {
                output.addiRowVector(bias);
            }
            activate(activation, output);
        }

        @Override
        public List<INDArray> parameters() {
            return weightsAndBias(weights, bias);
        }
    }

    /** A step's own arrays: its weights, and its bias when it has one. */
    private static List<INDArray> weightsAndBias(INDArray weights, INDArray bias) {
        return bias == null ? List.of(weights) : List.of(weights, bias);
    }

    /** DL4J's activation functions work in place on the array they are given; this holds if one does not. */
    private static void activate(IActivation activation, INDArray values) {
        INDArray result = activation.getActivation(values, false);
        if (result != values) {
            values.assign(result);
        }
    }

    /**
     * The buffers of one run: the input and each layer's activation, sized for {@code maxImages} images (a run of
     * fewer uses their first rows). Not thread-safe; {@link #close} frees the native memory.
     */
    final class Pass implements AutoCloseable {
        private final INDArray input;
        /** What each layer reads: the previous layer's buffer (or the input), and its per-image shape as the layer reads it. */
        private final INDArray[] inputBuffers;
        private final long[][] inputShapes;
        /** What each layer writes (a pass-through layer's is its input's), and its per-image shape. */
        private final INDArray[] outputBuffers;
        private final long[][] outputShapes;
        /** Views of the first {@code images} rows, by [layer][images]; made on first use. */
        private final INDArray[][] inputViews;
        private final INDArray[][] outputViews;

        private Pass() {
            int layers = steps.size();
            input = Nd4j.create(DataType.FLOAT, (long) maxImages * inputHeight * inputWidth);
            inputBuffers = new INDArray[layers];
            inputShapes = new long[layers][];
            outputBuffers = new INDArray[layers];
            outputShapes = new long[layers][];
            inputViews = new INDArray[layers][maxImages + 1];
            outputViews = new INDArray[layers][maxImages + 1];
            long[] shape = {inputHeight, inputWidth, 1};
            INDArray previous = input;
            for (int i = 0; i < layers; i++) {
                Step step = steps.get(i);
                inputBuffers[i] = previous;
                // a dense layer reads the channels-last activation before it as one flat row per image
                inputShapes[i] = step instanceof Dense && shape.length > 1 ? new long[] {product(shape)} : shape;
                long[] output = step.outputShape();
                if (output != null) {
                    shape = output;
                    previous = Nd4j.create(DataType.FLOAT, maxImages * product(shape));
                }
                outputBuffers[i] = previous;
                outputShapes[i] = shape;
            }
        }

        /** Runs images {@code first .. first + images - 1} of {@code pixels} (flat, H*W per image) through every layer. */
        void run(float[] pixels, int first, int images) {
            if (images < 1 || images > maxImages) {
                throw new IllegalArgumentException("a pass takes 1 to " + maxImages + " images, was " + images);
            }
            // OpenMP's thread count is the calling thread's own setting, so this does not touch other callers
            NativeOpsHolder.getInstance().getDeviceNativeOps()
                    .setOmpNumThreads(images <= SINGLE_THREAD_UP_TO ? 1 : DEFAULT_THREADS);
            int perImage = inputHeight * inputWidth;
            input.data().asNioFloat().put(0, pixels, first * perImage, images * perImage);
            for (int i = 0; i < steps.size(); i++) {
                steps.get(i).run(view(inputViews, i, images, inputShapes[i], inputBuffers[i]),
                        view(outputViews, i, images, outputShapes[i], outputBuffers[i]));
            }
        }

        /** Copies layer {@code layer}'s activation from the last run of {@code images} images into {@code target} at {@code offset}. */
        void read(int layer, int images, float[] target, int offset) {
            outputBuffers[layer].data().asNioFloat().get(0, target, offset, images * width(layer));
        }

        /** The size of layer {@code layer}'s activation for one image. */
        int width(int layer) {
            return (int) product(outputShapes[layer]);
        }

        private static INDArray view(INDArray[][] cache, int layer, int images, long[] shape, INDArray buffer) {
            INDArray view = cache[layer][images];
            if (view == null) {
                view = Nd4j.create(buffer.data(), ChannelsLastLayout.withRows(images, shape));
                cache[layer][images] = view;
            }
            return view;
        }

        @Override
        public void close() {
            input.close();
            for (INDArray buffer : outputBuffers) {
                if (!buffer.wasClosed()) {
                    buffer.close();
                }
            }
        }
    }

    private static long product(long[] shape) {
        long result = 1;
        for (long size : shape) {
            result *= size;
        }
        return result;
    }
}
