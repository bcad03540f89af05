package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import dev.digitserve.inference.NativeBackend;

/**
 * The channels-last training step is DL4J's {@code fit}, computed another way: with dropout off (so that both are
 * deterministic) its gradient and score equal DL4J's {@code computeGradientAndScore}, and steps through the
 * network's own updater leave the same parameters, iteration count and score as {@code fit}; for the seed CNN
 * (random weights, so every weight matters), for "same" padding and a stride, and for Adam with L2. A network with
 * a layer or setting it does not compute exactly is left to {@code fit}.
 */
class ChannelsLastTrainingStepTest {
    /** Relative to the largest gradient entry: the two differ in summation order (and oneDNN's algorithm). */
    private static final double RELATIVE_TOLERANCE = 1e-4;

    @BeforeAll
    static void backend() {
        NativeBackend.configure();
    }

    @Test
    void theSeedCnnsGradientAndScoreAreDl4jsWithDropoutOff() {
        MultiLayerNetwork network = CnnArchitecture.build(CnnParameters.reference());
        MultiLayerNetwork reference = withoutDropout(network);
        DataSet batch = batch(32, 784, 10, 1);

        try (ChannelsLastTrainingStep step = ChannelsLastTrainingStep.of(network).orElseThrow().withoutDropout()) {
            double loss = step.computeGradient(batch.getFeatures(), batch.getLabels());

            reference.setInput(batch.getFeatures());
            reference.setLabels(batch.getLabels());
            reference.computeGradientAndScore();
            assertThat(loss).isCloseTo(reference.score(), within(1e-5));
            assertClose(network.getFlattenedGradients(), reference.getFlattenedGradients());
        }
    }

    @Test
    void stepsLeaveTheParametersFitLeaves() {
        assertStepsMatchFit(CnnArchitecture.build(CnnParameters.reference()), 784);
    }

    @Test
    void samePaddingStridesAndAdamWithL2AreComputedAsDl4jDoes() {
        // 15 x 15 at stride 2 pads one row and column on each side; 20 filters would let the first layer take the
        // im2col path, which "same" padding must not (im2col does not work the padding out)
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder()
                .seed(3).updater(new Adam(1e-3)).l2(1e-4).convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(20).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build())
                .layer(new DropoutLayer.Builder(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(15, 15, 1)).build();
        assertStepsMatchFit(initialised(configuration), 225);
    }

    @Test
    void aFirstLayerWithPaddingAndAStrideGetsItsGradientFromPatchesAsDl4jDoes() {
        // 20 filters of 3 x 3 leave room for the patches: the first layer's gradient comes from im2col
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder()
                .seed(5).updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(20)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(15, 15, 1)).build();
        assertStepsMatchFit(initialised(configuration), 225);
    }

    @Test
    void dropoutKeepsEachValueWithItsProbabilityScaledAndSendsTheGradientThroughTheSameMask() {
        ChannelsLastTrainingStep.DropoutStage dropout = new ChannelsLastTrainingStep.DropoutStage(0.75);
        INDArray input = Nd4j.ones(DataType.FLOAT, 200, 100);
        INDArray output = input.ulike();
        INDArray mask = input.ulike();
        INDArray outputGradient = Nd4j.rand(DataType.FLOAT, 200, 100).addi(0.5);
        INDArray inputGradient = input.ulike();

        dropout.forward(input, output, mask, true);
        dropout.backward(input, output, outputGradient.dup(), inputGradient, mask, true);

        float[] kept = output.data().asFloat();
        float[] upstream = outputGradient.data().asFloat();
        float[] downstream = inputGradient.data().asFloat();
        int dropped = 0;
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] == 0) {
                dropped++;
                assertThat(downstream[i]).isZero();
            } else {
                assertThat(kept[i]).isCloseTo(1 / 0.75f, within(1e-6f));
                assertThat(downstream[i]).isCloseTo(upstream[i] / 0.75f, within(1e-5f));
            }
        }
        // 20,000 draws: the dropped share's standard deviation is 0.003
        assertThat(dropped / (double) kept.length).isCloseTo(0.25, within(0.02));
    }

    @Test
    void aNetworkWithALayerOrSettingItDoesNotComputeIsLeftToFit() {
        MultiLayerNetwork seed = CnnArchitecture.build(CnnParameters.reference());
        MultiLayerNetwork frozen = new TransferLearning.Builder(seed)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).build())
                .setFeatureExtractor(1).build();
        MultiLayerNetwork batchNormalised = initialised(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build());
        MultiLayerNetwork tanh = initialised(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build());
        MultiLayerNetwork squaredError = initialised(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build());

        MultiLayerNetwork listened = CnnArchitecture.build(CnnParameters.reference());
        listened.setListeners(new ScoreIterationListener(1));
        MultiLayerNetwork summedLoss = initialised(new NeuralNetConfiguration.Builder().seed(1).miniBatch(false).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build());

        assertThat(ChannelsLastTrainingStep.of(seed)).isPresent();
        assertThat(ChannelsLastTrainingStep.of(listened)).isEmpty();
        assertThat(ChannelsLastTrainingStep.of(summedLoss)).isEmpty();
        assertThat(ChannelsLastTrainingStep.of(frozen)).isEmpty();
        assertThat(ChannelsLastTrainingStep.of(batchNormalised)).isEmpty();
        assertThat(ChannelsLastTrainingStep.of(tanh)).isEmpty();
        assertThat(ChannelsLastTrainingStep.of(squaredError)).isEmpty();
    }

    /**
     * Three steps (batch sizes 20, 7, 20: the updater's state is used, the arrays re-made) on {@code network}
     * and on a copy under DL4J's {@code fit}, both without dropout, leave the same parameters, score and iteration.
     */
    private static void assertStepsMatchFit(MultiLayerNetwork network, int pixels) {
        MultiLayerNetwork reference = withoutDropout(network);
        int classes = (int) network.getOutputLayer().getParam("b").length();
        try (ChannelsLastTrainingStep step = ChannelsLastTrainingStep.of(network).orElseThrow().withoutDropout()) {
            double score = 0;
            for (int i = 0; i < 3; i++) {
                DataSet batch = batch(i == 1 ? 7 : 20, pixels, classes, 10 + i);
                score = step.fit(batch.getFeatures(), batch.getLabels());
                reference.fit(batch);
            }
            assertThat(score).isCloseTo(reference.score(), within(2e-6));
            assertThat(network.score()).isEqualTo(score);
            assertThat(network.getIterationCount()).isEqualTo(reference.getIterationCount()).isEqualTo(3);
            assertClose(network.params(), reference.params());
        }
    }

    /** A copy of {@code network} (same parameters) whose dropout layers pass their input on. */
    private static MultiLayerNetwork withoutDropout(MultiLayerNetwork network) {
        MultiLayerConfiguration configuration = network.getLayerWiseConfigurations().clone();
        for (NeuralNetConfiguration layer : configuration.getConfs()) {
            if (layer.getLayer() instanceof DropoutLayer dropout) {
                dropout.setIDropout(null);
            }
        }
        MultiLayerNetwork copy = new MultiLayerNetwork(configuration);
        copy.init(network.params().dup(), false);
        return copy;
    }

    private static MultiLayerNetwork initialised(MultiLayerConfiguration configuration) {
        MultiLayerNetwork network = new MultiLayerNetwork(configuration);
        network.init();
        return network;
    }

    /** Random pixels in [0, 1) and one-hot labels. */
    private static DataSet batch(int rows, int pixels, int classes, long seed) {
        Random random = new Random(seed);
        float[] features = new float[rows * pixels];
        for (int i = 0; i < features.length; i++) {
            features[i] = random.nextFloat();
        }
        INDArray labels = Nd4j.zeros(rows, classes);
        for (int r = 0; r < rows; r++) {
            labels.putScalar(r, random.nextInt(classes), 1);
        }
        return new DataSet(Nd4j.create(features, new long[] {rows, pixels}, 'c'), labels);
    }

    private static void assertClose(INDArray actual, INDArray expected) {
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double difference = actual.sub(expected).amaxNumber().doubleValue();
        assertThat(difference / scale).as("largest difference %s against largest entry %s", difference, scale)
                .isLessThan(RELATIVE_TOLERANCE);
    }
}
