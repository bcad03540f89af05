package dev.digitserve.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.deeplearning4j.nn.conf.CNN2DFormat;
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
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import dev.digitserve.support.TestImages;
import dev.digitserve.training.CnnArchitecture;
import dev.digitserve.training.CnnParameters;

/**
 * The channels-last forward pass computes what the channels-first network computes: for the seed architecture
 * (random weights, so every weight matters) at batch 1 (one native thread) and larger, for a fine-tuned
 * network with frozen layers and a new head, for "same" padding and a layer without bias, and in the embedding.
 * A network it does not know is served as it is. Replicas answer concurrent callers correctly.
 */
class ChannelsLastForwardTest {
    private static final double TOLERANCE = 1e-5;

    @BeforeAll
    static void backend() {
        NativeBackend.configure();
    }

    /** The network of {@code configuration}, initialised with its seeded random weights. */
    private static MultiLayerNetwork initialised(MultiLayerConfiguration configuration) {
        MultiLayerNetwork network = new MultiLayerNetwork(configuration);
        network.init();
        return network;
    }

    /**
     * Serves {@code network} and checks that the engine serves it on the channels-last pass or not, as
     * {@code channelsLast} says, and predicts what the network itself does at each of {@code counts}.
     */
    private static void assertServedAsTheOriginal(MultiLayerNetwork network, boolean channelsLast, int pixelSeed,
                                                  int... counts) {
        try (CnnEngine engine = new CnnEngine(network)) {
            assertThat(engine.servesChannelsLast()).isEqualTo(channelsLast);
            for (int count : counts) {
                float[] pixels = TestImages.sparsePixels(count, pixelSeed);
                assertClose(engine.predict(pixels, count), original(network, pixels, count));
            }
        }
    }

    /** Checks that {@code engine}'s embeddings are {@code network}'s activations of layer {@code layer}, and its classes the network's outputs. */
    private static void assertEmbeddingsAreLayer(CnnEngine engine, MultiLayerNetwork network, int layer, int count,
                                                 int pixelSeed) {
        float[] pixels = TestImages.sparsePixels(count, pixelSeed);
        InferenceEngine.Outputs outputs = engine.predictWithEmbeddings(pixels, count);
        try (INDArray input = Nd4j.create(pixels, new long[] {count, Images.PIXELS}, 'c')) {
            // element 0 is the input, element i + 1 the activation of layer i
            assertClose(outputs.embeddings(), network.feedForwardToLayer(layer, input, false).get(layer + 1)
                    .dup('c').data().asFloat());
        }
        assertClose(outputs.classes(), original(network, pixels, count));
    }

    private static float[] original(MultiLayerNetwork network, float[] pixels, int count) {
        try (INDArray input = Nd4j.create(pixels, new long[] {count, Images.PIXELS}, 'c')) {
            return network.output(input, false).dup('c').data().asFloat();
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("output %d", i).isCloseTo(expected[i], within(TOLERANCE));
        }
    }

    @Test
    void theSeedArchitectureIsConvertedAndGivesTheSameProbabilitiesAtEveryBatchSize() {
        MultiLayerNetwork seed = CnnArchitecture.build(CnnParameters.reference());
        try (CnnEngine engine = new CnnEngine(seed)) {
            assertThat(engine.servesChannelsLast()).isTrue();
            // 150: more than one forward pass (CnnEngine.MAX_PASS), the chunks put back in order
            for (int count : List.of(1, 7, 64, 150)) {
                float[] pixels = TestImages.sparsePixels(count, count);
                assertClose(engine.predict(pixels, count), original(seed, pixels, count));
            }
            // the engine's own network stays the channels-first original that training and saving use
            assertThat(((ConvolutionLayer) engine.network().getLayerWiseConfigurations().getConf(1).getLayer())
                    .getCnn2dDataFormat()).isEqualTo(CNN2DFormat.NCHW);
        }
    }

    @Test
    void embeddingsFromTheCopyAreTheDenseLayersActivations() {
        MultiLayerNetwork seed = CnnArchitecture.build(CnnParameters.reference());
        try (CnnEngine engine = new CnnEngine(seed)) {
            assertEmbeddingsAreLayer(engine, seed, 4, CnnEngine.MAX_PASS + 6, 3);
        }
    }

    @Test
    void aFineTunedNetworkWithFrozenLayersIsConvertedToo() {
        MultiLayerNetwork seed = CnnArchitecture.build(CnnParameters.reference());
        MultiLayerNetwork tuned = new TransferLearning.Builder(seed)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).build())
                .setFeatureExtractor(4)
                .removeOutputLayer()
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        assertServedAsTheOriginal(tuned, true, 5, 9);
    }

    @Test
    void aNetworkWithALayerItDoesNotKnowIsServedAsItIs() {
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        MultiLayerNetwork network = initialised(configuration);
        assertThat(ChannelsLastForward.of(network, CnnEngine.MAX_PASS)).isEmpty();
        assertServedAsTheOriginal(network, false, 9, 4);
    }

    @Test
    void samePaddingStridesAndALayerWithoutBiasGiveTheSameProbabilities() {
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder().seed(5)
                .convolutionMode(ConvolutionMode.Same).list()
                .layer(new ConvolutionLayer.Builder(5, 5).stride(2, 2).nOut(6).hasBias(false).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3).stride(2, 2).build())
                .layer(new DropoutLayer.Builder(0.5).build())
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.LEAKYRELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        assertServedAsTheOriginal(initialised(configuration), true, 11, 1, 5);
    }

    @Test
    void aDropoutLayerBetweenTheFlattenAndTheDenseLayerKeepsTheDenseRowsInOrder() {
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder().seed(8).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(5).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer.Builder(0.5).build())
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                // the flatten on the dropout layer rather than on the dense layer after it
                .inputPreProcessor(2, new CnnToFeedForwardPreProcessor(13, 13, 5))
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        assertThat(configuration.getInputPreProcess(2)).isInstanceOf(CnnToFeedForwardPreProcessor.class);
        assertThat(configuration.getInputPreProcess(3)).isNull();
        assertServedAsTheOriginal(initialised(configuration), true, 13, 3);
    }

    @Test
    void aServedOriginalGivesEmbeddingsToo() {
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        MultiLayerNetwork network = initialised(configuration);
        try (CnnEngine engine = new CnnEngine(network)) {
            assertThat(engine.servesChannelsLast()).isFalse();
            assertEmbeddingsAreLayer(engine, network, 2, CnnEngine.MAX_PASS + 2, 4);
        }
    }

    @Test
    void aForwardPassWhoseOutputsAreNotANumberIsNotTakenForAgreement() {
        MultiLayerNetwork network = CnnArchitecture.build(CnnParameters.reference());
        // one weight that is not a number makes every output NaN in both, and NaN differs from everything
        network.getLayer(0).getParam("W").putScalar(0, Double.NaN);
        try (CnnEngine engine = new CnnEngine(network)) {
            assertThat(engine.servesChannelsLast()).isFalse();
        }
    }

    @Test
    void smallPassesRunOnOneNativeThreadAndLargeOnesOnTheDefault() throws Exception {
        MultiLayerNetwork seed = CnnArchitecture.build(CnnParameters.reference());
        NativeOps nativeOps = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int[] seen = new int[3];
        try (CnnEngine engine = new CnnEngine(seed)) {
            // a fresh thread: OpenMP's thread count is per thread and starts at the process default
            Thread caller = new Thread(() -> {
                seen[0] = nativeOps.ompGetMaxThreads();
                engine.predict(TestImages.sparsePixels(1, 1), 1);
                seen[1] = nativeOps.ompGetMaxThreads();
                int large = ChannelsLastForward.SINGLE_THREAD_UP_TO + 1;
                engine.predict(TestImages.sparsePixels(large, 2), large);
                seen[2] = nativeOps.ompGetMaxThreads();
            });
            caller.start();
            caller.join();
        }
        assertThat(seen[1]).as("after a pass of one image").isEqualTo(1);
        assertThat(seen[2]).as("after a pass above the single-thread size").isEqualTo(seen[0]);
    }

    @Test
    void replicasServeCallersAtOnceWithTheSameResults() throws Exception {
        MultiLayerNetwork seed = CnnArchitecture.build(CnnParameters.reference());
        float[] pixels = TestImages.sparsePixels(16, 21);
        float[] expected = original(seed, pixels, 16);
        try (CnnEngine engine = new CnnEngine(seed, 2)) {
            assertThat(engine.replicas()).isEqualTo(2);
            java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    results.add(callers.submit(() -> engine.predict(pixels, 16)));
                }
                for (java.util.concurrent.Future<float[]> result : results) {
                    // a network shared by two threads at once would mix their activations
                    assertClose(result.get(), expected);
                }
            } finally {
                callers.shutdown();
            }
        }
    }
}
