package dev.digitserve.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

import dev.digitserve.inference.ChannelsLastLayout;

/**
 * One minibatch step of DL4J's own training ({@code network.fit(x, y)}) for a plain channels-first CNN, with the
 * gradient computed channels-last (NHWC) by bare ND4J operations and then handed to the network's own DL4J
 * updater, which applies the optimizer, regularization and the division by the batch size exactly as
 * {@code fit} does. The network's parameters, updater state and iteration count change as under {@code fit};
 * the network stays an ordinary channels-first DL4J network.
 *
 * <p>Why not {@code fit}: DL4J hands oneDNN channels-first arrays, and oneDNN converts each one to its own layout
 * and back (about 23 conversions per step of the seed CNN, ~23 ms of ~105 ms at batch 128 on 2 cores); its ReLU
 * derivative is an element-at-a-time function call (relu_bp, ~9 ms per step where a mask and a product take
 * ~3 ms); and the first convolution's {@code conv2d_bp} also computes the gradient with respect to the input
 * image, which nothing reads (8.8 ms, against ~3 ms for its weight gradient alone). Channels-last data lets
 * oneDNN's forward convolutions read and write the arrays directly.
 *
 * <p>Contract: {@link #of} returns a step only for a network it computes as DL4J does: float parameters; a
 * flat single-channel input reshaped by {@link FeedForwardToCnnPreProcessor}; channels-first (NCHW) ReLU
 * convolutions with bias (truncate, strict or same mode), max pooling, {@link DropoutLayer}s with a fixed
 * {@link Dropout} probability; one channels-first flattening step; ReLU dense layers with bias; a softmax output
 * layer with unweighted cross-entropy (MCXENT); standard backpropagation, DL4J's plain step function, the loss
 * averaged over the batch, no listener and no frozen layer. Anything else returns empty and the caller trains
 * with {@code fit}. {@link #fit} leaves the parameters, updater state, iteration count and score that
 * {@code fit} leaves. Dropout draws from ND4J's random generator as DL4J's does, so the two agree in distribution,
 * not draw for draw. A step keeps its arrays for the last batch size it trained on; it is for one thread at a time
 * and must be closed.
 */
public final class ChannelsLastTrainingStep implements AutoCloseable {
    /**
     * libnd4j's integer arguments after a window's nine (kH, kW, sH, sW, pH, pW, dH, dW, same mode): for
     * {@code conv2d} the data format and the weight layout ([out, in, kH, kW], DL4J's); for {@code maxpool2d} an
     * unused value and the data format.
     */
    private static final int CHANNELS_LAST = 1;
    private static final int WEIGHTS_OUT_IN_HEIGHT_WIDTH = 1;
    private static final int POOLING_UNUSED = 0;

    private final MultiLayerNetwork network;
    private final List<Stage> stages;
    /** One image's input, then each stage's output, channels-last, as DL4J's configuration gives them. */
    private final List<long[]> shapes;
    private final Gradient gradient;
    /** The arrays of the last batch size trained on (the seed at batch 128: ~130 MB); null before the first. */
    private Buffers buffers;
    private boolean dropoutOn = true;

    private ChannelsLastTrainingStep(MultiLayerNetwork network, List<Stage> stages, List<long[]> shapes,
                                     Gradient gradient) {
        this.network = network;
        this.stages = stages;
        this.shapes = shapes;
        this.gradient = gradient;
    }

    /** A step for {@code network}, or empty if it has a layer or setting this step does not compute as DL4J does. */
    public static Optional<ChannelsLastTrainingStep> of(MultiLayerNetwork network) {
        MultiLayerConfiguration configuration = network.getLayerWiseConfigurations();
        Map<Integer, InputPreProcessor> preprocessors = configuration.getInputPreProcessors();
        // what fit does besides the arithmetic: listeners, another step function, no division by the batch size
        boolean plainFit = network.getListeners().isEmpty() && configuration.getConfs().stream()
                .allMatch(layer -> layer.getStepFunction() == null && layer.isMiniBatch());
        if (!plainFit || configuration.getBackpropType() != BackpropType.Standard
                || network.params().dataType() != DataType.FLOAT || preprocessors.size() != 2
                || !(preprocessors.get(0) instanceof FeedForwardToCnnPreProcessor toCnn)
                || toCnn.getNumChannels() != 1) {
            return Optional.empty();
        }
        InputType type = InputType.convolutional(toCnn.getInputHeight(), toCnn.getInputWidth(), 1);
        List<Stage> stages = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>(List.of(ChannelsLastLayout.perImage(type)));
        // DL4J creates the gradient views on the first fit; the stages write into them from the start
        if (network.getFlattenedGradients() == null) {
            network.initGradientsView();
        }
        Gradient gradient = new DefaultGradient(network.getFlattenedGradients());
        int layers = configuration.getConfs().size();
        for (int i = 0; i < layers; i++) {
            InputPreProcessor preprocessor = preprocessors.get(i);
            if (i > 0 && preprocessor != null) {
                // Flatten permutes to DL4J's channels-first (channel, y, x) row order
                if (!(preprocessor instanceof CnnToFeedForwardPreProcessor toFeedForward)
                        || toFeedForward.getFormat() != CNN2DFormat.NCHW
                        || !(type instanceof InputType.InputTypeConvolutional)) {
                    return Optional.empty();
                }
                stages.add(new Flatten());
                type = preprocessor.getOutputType(type);
                shapes.add(ChannelsLastLayout.perImage(type));
            }
            NeuralNetConfiguration layerConfiguration = configuration.getConf(i);
            Layer layer = layerConfiguration.getLayer();
            InputType output = layer.getOutputType(i, type);
            INDArray layerGradients = network.getLayer(i).getGradientsViewArray();
            Map<String, INDArray> gradients = layerGradients == null ? Map.of()
                    : layer.initializer().getGradientsFromFlattened(layerConfiguration, layerGradients);
            Stage stage = stage(layer, network.getLayer(i).paramTable(), gradients, type, i == 0, i == layers - 1);
            if (stage == null) {
                return Optional.empty();
            }
            // the updater finds each layer's gradients by DL4J's "<layer index>_<parameter>" keys
            for (Map.Entry<String, INDArray> entry : gradients.entrySet()) {
                gradient.setGradientFor(i + "_" + entry.getKey(), entry.getValue());
            }
            stages.add(stage);
            shapes.add(ChannelsLastLayout.perImage(output));
            type = output;
        }
        if (!(stages.get(stages.size() - 1) instanceof Output)) {
            return Optional.empty();
        }
        return Optional.of(new ChannelsLastTrainingStep(network, List.copyOf(stages), List.copyOf(shapes), gradient));
    }

    private static Stage stage(Layer layer, Map<String, INDArray> parameters, Map<String, INDArray> gradients,
                               InputType input, boolean first, boolean last) {
        boolean spatial = input instanceof InputType.InputTypeConvolutional;
        if (layer.getClass() == DropoutLayer.class) {
            return layer.getIDropout() instanceof Dropout dropout && dropout.getClass() == Dropout.class
                    && dropout.getPSchedule() == null ? new DropoutStage(dropout.getP()) : null;
        }
        // dropout or weight noise on a layer's own input is DL4J's business
        if (layer instanceof BaseLayer base && (base.getIDropout() != null || base.getWeightNoise() != null)) {
            return null;
        }
        if (spatial && layer.getClass() == ConvolutionLayer.class) {
            ConvolutionLayer convolution = (ConvolutionLayer) layer;
            if (!ChannelsLastLayout.knownMode(convolution.getConvolutionMode()) || !convolution.hasBias()
                    || !isRelu(convolution) || convolution.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                return null;
            }
            int[] arguments = ChannelsLastLayout.window(convolution.getKernelSize(), convolution.getStride(),
                    convolution.getPadding(), convolution.getDilation(), convolution.getConvolutionMode(),
                    CHANNELS_LAST, WEIGHTS_OUT_IN_HEIGHT_WIDTH);
            return new Convolution(parameters.get("W"), parameters.get("b").reshape(-1), gradients.get("W"),
                    gradients.get("b").reshape(-1), arguments, first);
        }
        if (spatial && layer.getClass() == SubsamplingLayer.class) {
            SubsamplingLayer pooling = (SubsamplingLayer) layer;
            if (pooling.getPoolingType() != PoolingType.MAX
                    || !ChannelsLastLayout.knownMode(pooling.getConvolutionMode())
                    || pooling.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                return null;
            }
            return new MaxPooling(ChannelsLastLayout.window(pooling.getKernelSize(), pooling.getStride(),
                    pooling.getPadding(), pooling.getDilation(), pooling.getConvolutionMode(), POOLING_UNUSED,
                    CHANNELS_LAST));
        }
        if (!spatial && layer.getClass() == DenseLayer.class && !last) {
            DenseLayer dense = (DenseLayer) layer;
            if (dense.hasLayerNorm() || !dense.hasBias() || !isRelu(dense)) {
                return null;
            }
            return new Dense(parameters.get("W"), parameters.get("b"), gradients.get("W"), gradients.get("b"));
        }
        if (!spatial && layer.getClass() == OutputLayer.class && last) {
            OutputLayer output = (OutputLayer) layer;
            if (!output.hasBias() || !(output.getActivationFn() instanceof ActivationSoftmax)
                    || !(output.getLossFn() instanceof LossMCXENT loss) || loss.getClass() != LossMCXENT.class
                    || loss.getWeights() != null) {
                return null;
            }
            return new Output(new Dense(parameters.get("W"), parameters.get("b"), gradients.get("W"),
                    gradients.get("b")), loss.getSoftmaxClipEps());
        }
        return null;
    }

    private static boolean isRelu(BaseLayer layer) {
        return new ActivationReLU().equals(layer.getActivationFn());
    }

    /**
     * Trains on one minibatch: {@code features} flat ({@code N x H*W}), {@code labels} one-hot ({@code N x classes}).
     * Returns the score DL4J's {@code fit} would leave in {@code network.score()} (mean cross-entropy plus
     * regularization), and sets it there too.
     */
    public double fit(INDArray features, INDArray labels) {
        double loss = computeGradient(features, labels);
        // DL4J scores the parameters the gradient was computed at, before the update
        double score = loss + network.calcRegularizationScore(true);
        MultiLayerConfiguration configuration = network.getLayerWiseConfigurations();
        int iteration = configuration.getIterationCount();
        int epoch = configuration.getEpochCount();
        Updater updater = network.getUpdater();
        updater.update(network, gradient, iteration, epoch, (int) features.size(0), LayerWorkspaceMgr.noWorkspaces());
        // the updater turned the gradient into the step, in place, as under fit (DL4J's plain step function)
        INDArray parameters = network.params();
        parameters.subi(network.getFlattenedGradients().reshape(parameters.shape()));
        // fit counts the iteration, then applies the constraints with the new count
        configuration.setIterationCount(iteration + 1);
        network.applyConstraints(iteration + 1, epoch);
        network.setScore(score);
        return score;
    }

    /** Turns dropout off (every value kept, unscaled); for tests comparing with DL4J with dropout off. */
    ChannelsLastTrainingStep withoutDropout() {
        dropoutOn = false;
        return this;
    }

    /**
     * Writes the gradient of the summed (not yet averaged) loss into the network's gradient view, as DL4J's
     * {@code computeGradientAndScore} does, and returns the mean loss without regularization.
     */
    double computeGradient(INDArray features, INDArray labels) {
        int images = (int) features.size(0);
        if (buffers == null || buffers.images() != images) {
            // only an epoch's last, smaller batch changes the size: two allocations an epoch, one set of arrays
            close();
            buffers = buffers(images);
        }
        buffers.activations[0].assign(features.reshape('c', buffers.activations[0].shape()));
        for (int i = 0; i < stages.size(); i++) {
            stages.get(i).forward(buffers.activations[i], buffers.activations[i + 1], buffers.scratch[i], dropoutOn);
        }
        Output output = (Output) stages.get(stages.size() - 1);
        int last = stages.size();
        double loss = output.lossAndGradient(buffers.activations[last], labels, buffers.gradients[last]);
        for (int i = stages.size() - 1; i >= 0; i--) {
            stages.get(i).backward(buffers.activations[i], buffers.activations[i + 1], buffers.gradients[i + 1],
                    buffers.gradients[i], buffers.scratch[i], dropoutOn);
        }
        return loss;
    }

    private Buffers buffers(int images) {
        INDArray[] activations = new INDArray[stages.size() + 1];
        INDArray[] gradients = new INDArray[stages.size() + 1];
        INDArray[] scratch = new INDArray[stages.size()];
        for (int i = 0; i <= stages.size(); i++) {
            long[] shape = ChannelsLastLayout.withRows(images, shapes.get(i));
            activations[i] = Nd4j.create(DataType.FLOAT, shape);
            gradients[i] = Nd4j.create(DataType.FLOAT, shape);
            if (i > 0) {
                // a stage's mask has its output's shape
                scratch[i - 1] = Nd4j.create(DataType.FLOAT, shape);
            }
        }
        return new Buffers(images, activations, gradients, scratch);
    }

    /** Frees the buffers' native memory; the network is the caller's. */
    @Override
    public void close() {
        if (buffers != null) {
            buffers.close();
            buffers = null;
        }
    }

    /**
     * A batch size's arrays: stage i reads {@code activations[i]} and writes {@code activations[i + 1]}; backward it
     * reads {@code gradients[i + 1]} and writes {@code gradients[i]}; {@code scratch[i]} is its own (a mask).
     */
    private record Buffers(int images, INDArray[] activations, INDArray[] gradients, INDArray[] scratch)
            implements AutoCloseable {
        @Override
        public void close() {
            for (INDArray[] arrays : List.of(activations, gradients, scratch)) {
                for (INDArray array : arrays) {
                    array.close();
                }
            }
        }
    }

    /** One layer, or the flattening between the spatial and the dense layers, forward and backward. */
    sealed interface Stage permits Convolution, MaxPooling, DropoutStage, Flatten, Dense, Output {
        void forward(INDArray input, INDArray output, INDArray scratch, boolean dropout);

        /**
         * From the gradient at the output ({@code outputGradient}, which it may overwrite) to the gradient at the
         * input, writing the layer's parameter gradients into the network's gradient view on the way.
         */
        void backward(INDArray input, INDArray output, INDArray outputGradient, INDArray inputGradient,
                      INDArray scratch, boolean dropout);
    }

    /**
     * ReLU convolution; weights and bias are the network's own views, read as DL4J lays them out. {@code first}: it
     * reads the single-channel input, whose gradient nobody needs.
     */
    private record Convolution(INDArray weights, INDArray bias, INDArray weightGradient, INDArray biasGradient,
                               int[] arguments, boolean first) implements Stage {
        @Override
        public void forward(INDArray input, INDArray output, INDArray scratch, boolean dropout) {
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(input, weights, bias).addOutputs(output)
                    .addIntegerArguments(arguments).build());
            Transforms.relu(output, false);
        }

        @Override
        public void backward(INDArray input, INDArray output, INDArray outputGradient, INDArray inputGradient,
                             INDArray scratch, boolean dropout) {
            reluBackward(output, outputGradient, scratch);
            // im2col takes the padding as given (it works out "same" padding only for its output shape)
            boolean samePadding = arguments[8] == 1;
            if (first && !samePadding && weights.size(0) >= 2L * arguments[0] * arguments[1] + 1) {
                parameterGradientsFromPatches(input, outputGradient, scratch);
                return;
            }
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(input, weights, bias, outputGradient)
                    .addOutputs(inputGradient, weightGradient, biasGradient).addIntegerArguments(arguments).build());
        }

        /**
         * The weight and bias gradients as one product of the input's patches (plus a row of ones, for the bias)
         * with the output gradient, without the input gradient {@code conv2d_bp} always computes: for the seed's
         * first layer at batch 128, 8.8 ms for {@code conv2d_bp} against ~3 ms for this (a column sum for the bias
         * alone took 9 ms). One input channel makes NHWC and NCHW the same array, so {@code im2col} (NCHW) reads
         * it as it is. The patches go in {@code scratch}, free again once the ReLU mask has been applied, when it
         * has room: it holds out channels x output pixels per image, this needs (2 x kernel pixels + 1) x output
         * pixels (the seed: 32 against 19); a layer with fewer channels, or with "same" padding (which
         * {@code im2col} does not work out), goes through {@code conv2d_bp}.
         */
        private void parameterGradientsFromPatches(INDArray input, INDArray outputGradient, INDArray scratch) {
            long images = input.size(0);
            long kernel = (long) arguments[0] * arguments[1];
            long pixels = outputGradient.size(1) * outputGradient.size(2);
            long channels = outputGradient.size(3);
            long patchValues = images * kernel * pixels;
            INDArray flatScratch = scratch.reshape(scratch.length());
            // im2col's [images, 1, kH, kW, oH, oW], then the same values as rows [kernel pixel, image, pixel]
            INDArray patches = flatScratch.get(NDArrayIndex.interval(0, patchValues)).reshape('c', images, 1,
                    arguments[0], arguments[1], outputGradient.size(1), outputGradient.size(2));
            INDArray rows = flatScratch.get(NDArrayIndex.interval(patchValues, 2 * patchValues + images * pixels))
                    .reshape('c', kernel + 1, images * pixels);
            Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(input.reshape('c', images, 1, input.size(1),
                    input.size(2))).addOutputs(patches).addIntegerArguments(Arrays.copyOf(arguments, 9)).build());
            rows.get(NDArrayIndex.interval(0, kernel), NDArrayIndex.all()).reshape('c', kernel, images, pixels)
                    .assign(patches.reshape('c', images, kernel, pixels).permute(1, 0, 2));
            rows.getRow(kernel).assign(1);
            // [out, kernel + 1] = gradient^T . rows^T: the weights' [out, 1, kH, kW] and, last, the bias
            INDArray kernelAndBias = Nd4j.create(DataType.FLOAT, channels, kernel + 1);
            Nd4j.exec(DynamicCustomOp.builder("matmul")
                    .addInputs(outputGradient.reshape('c', images * pixels, channels), rows)
                    .addOutputs(kernelAndBias).addIntegerArguments(1, 1).build());
            weightGradient.reshape('c', channels, kernel)
                    .assign(kernelAndBias.get(NDArrayIndex.all(), NDArrayIndex.interval(0, kernel)));
            biasGradient.assign(kernelAndBias.getColumn(kernel));
            kernelAndBias.close();
        }
    }

    private record MaxPooling(int[] arguments) implements Stage {
        @Override
        public void forward(INDArray input, INDArray output, INDArray scratch, boolean dropout) {
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(input).addOutputs(output)
                    .addIntegerArguments(arguments).build());
        }

        @Override
        public void backward(INDArray input, INDArray output, INDArray outputGradient, INDArray inputGradient,
                             INDArray scratch, boolean dropout) {
            Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(input, outputGradient)
                    .addOutputs(inputGradient).addIntegerArguments(arguments).build());
        }
    }

    /**
     * Inverted dropout as DL4J's {@link Dropout} applies it: each value kept with probability {@code keep} and scaled
     * by 1 / keep, the mask (0 or 1 / keep) kept for the backward pass.
     */
    record DropoutStage(double keep) implements Stage {
        @Override
        public void forward(INDArray input, INDArray output, INDArray scratch, boolean dropout) {
            if (!dropout) {
                output.assign(input);
                return;
            }
            scratch.assign(1.0);
            Nd4j.getExecutioner().exec(new DropOutInverted(scratch, scratch, keep), Nd4j.getRandom());
            Nd4j.exec(new MulOp(input, scratch, output));
        }

        @Override
        public void backward(INDArray input, INDArray output, INDArray outputGradient, INDArray inputGradient,
                             INDArray scratch, boolean dropout) {
            if (dropout) {
                Nd4j.exec(new MulOp(outputGradient, scratch, inputGradient));
            } else {
                inputGradient.assign(outputGradient);
            }
        }
    }

    /**
     * Channels-last activations to the flat rows a dense layer trained channels-first expects: DL4J flattens
     * (channel, y, x), so the dense weights stay as they are and the activations are permuted instead.
     */
    private record Flatten() implements Stage {
        @Override
        public void forward(INDArray input, INDArray output, INDArray scratch, boolean dropout) {
            output.reshape('c', input.size(0), input.size(3), input.size(1), input.size(2))
                    .assign(input.permute(0, 3, 1, 2));
        }

        @Override
        public void backward(INDArray input, INDArray output, INDArray outputGradient, INDArray inputGradient,
                             INDArray scratch, boolean dropout) {
            inputGradient.assign(outputGradient.reshape('c', input.size(0), input.size(3), input.size(1),
                    input.size(2)).permute(0, 2, 3, 1));
        }
    }

    /**
     * A ReLU dense layer. DL4J keeps {@code W} ({@code [in, out]}) column-major, so its transpose is a row-major
     * {@code [out, in]} view, which is what the products read and write.
     */
    private record Dense(INDArray weights, INDArray bias, INDArray weightGradient, INDArray biasGradient)
            implements Stage {
        @Override
        public void forward(INDArray input, INDArray output, INDArray scratch, boolean dropout) {
            affine(input, output);
            Transforms.relu(output, false);
        }

        void affine(INDArray input, INDArray output) {
            // output = input . W = input . (W^T)^T, with W^T the row-major view
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(input, weights.transpose()).addOutputs(output)
                    .addIntegerArguments(0, 1).build());
            output.addiRowVector(bias);
        }

        @Override
        public void backward(INDArray input, INDArray output, INDArray outputGradient, INDArray inputGradient,
                             INDArray scratch, boolean dropout) {
            reluBackward(output, outputGradient, scratch);
            parameterAndInputGradients(input, outputGradient, inputGradient);
        }

        void parameterAndInputGradients(INDArray input, INDArray outputGradient, INDArray inputGradient) {
            // dW^T = dOut^T . input, written into the row-major view of DL4J's column-major gradient
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(outputGradient, input)
                    .addOutputs(weightGradient.transpose()).addIntegerArguments(1, 0).build());
            outputGradient.sum(biasGradient.reshape(-1), 0);
            Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(outputGradient, weights.transpose())
                    .addOutputs(inputGradient).build());
        }
    }

    /** Softmax with cross-entropy: the gradient at the pre-activation is probabilities minus labels. */
    private record Output(Dense affine, double clip) implements Stage {
        @Override
        public void forward(INDArray input, INDArray output, INDArray scratch, boolean dropout) {
            affine.affine(input, output);
            Nd4j.exec(new SoftMax(output, output, -1));
        }

        /** The mean loss over the rows, as LossMCXENT scores it (probabilities clipped to [clip, 1 - clip]). */
        double lossAndGradient(INDArray probabilities, INDArray labels, INDArray gradient) {
            INDArray clipped = Transforms.min(Transforms.max(probabilities, clip, true), 1 - clip, false);
            double loss = -Transforms.log(clipped, false).muli(labels).sumNumber().doubleValue()
                    / probabilities.size(0);
            clipped.close();
            Nd4j.exec(new SubOp(probabilities, labels, gradient));
            return loss;
        }

        @Override
        public void backward(INDArray input, INDArray output, INDArray outputGradient, INDArray inputGradient,
                             INDArray scratch, boolean dropout) {
            affine.parameterAndInputGradients(input, outputGradient, inputGradient);
        }
    }

    /** {@code gradient *= (activation > 0)}: ReLU's derivative from its output, as two vectorised passes. */
    private static void reluBackward(INDArray activation, INDArray gradient, INDArray mask) {
        Nd4j.exec(new Step(activation, mask, 0.0));
        gradient.muli(mask);
    }
}
