package dev.digitserve.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import dev.digitserve.support.TestImages;
import dev.digitserve.training.CnnArchitecture;
import dev.digitserve.training.CnnParameters;

/**
 * The CNN engine's embeddings on a small real network shaped like the seed one (conv -> dense relu -> dropout ->
 * softmax): the dense layer is found, its activations come out with the class outputs of the same pass, they are
 * deterministic and do not depend on the batch an image is in, and dropout is off.
 */
class CnnEmbeddingTest {
    private static final int WIDTH = 16;
    private static CnnEngine engine;

    @BeforeAll
    static void network() {
        NativeBackend.configure();
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder()
                .seed(11)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).stride(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(WIDTH).activation(Activation.RELU).build())
                // keeps half the activations when training: an embedding that changed from call to call would show it
                .layer(new DropoutLayer.Builder(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        MultiLayerNetwork network = new MultiLayerNetwork(configuration);
        network.init();
        engine = new CnnEngine(network);
    }

    @AfterAll
    static void close() {
        engine.close();
    }


    @Test
    void theSeedArchitecturesEmbeddingIsItsDenseLayerOf128() {
        MultiLayerNetwork seed = CnnArchitecture.build(CnnParameters.reference());
        assertThat(CnnEngine.embeddingLayer(seed)).isEqualTo(4);
        try (CnnEngine seedEngine = new CnnEngine(seed)) {
            assertThat(seedEngine.embeddingSize()).isEqualTo(128);
        }
    }

    @Test
    void classOutputsOfTheEmbeddingPassAreThePredictions() {
        float[] pixels = TestImages.sparsePixels(5, 1);

        InferenceEngine.Outputs outputs = engine.predictWithEmbeddings(pixels, 5);

        assertThat(engine.embeddingSize()).isEqualTo(WIDTH);
        assertThat(outputs.embeddings()).hasSize(5 * WIDTH);
        float[] predicted = engine.predict(pixels, 5);
        assertThat(outputs.classes()).hasSize(predicted.length);
        for (int i = 0; i < predicted.length; i++) {
            assertThat(outputs.classes()[i]).isCloseTo(predicted[i], within(1e-6f));
        }
        float max = 0;
        for (float value : outputs.embeddings()) {
            assertThat(value).as("relu activations").isGreaterThanOrEqualTo(0f);
            max = Math.max(max, value);
        }
        assertThat(max).as("some unit is active").isGreaterThan(0f);
    }

    @Test
    void theSameImageGivesTheSameEmbeddingEveryTime() {
        float[] pixels = TestImages.sparsePixels(3, 2);

        float[] first = engine.predictWithEmbeddings(pixels, 3).embeddings();
        float[] second = engine.predictWithEmbeddings(pixels.clone(), 3).embeddings();

        assertThat(second).containsExactly(first);
    }

    @Test
    void anImagesEmbeddingDoesNotDependOnItsBatch() {
        int count = 7;
        float[] pixels = TestImages.sparsePixels(count, 3);

        float[] batched = engine.predictWithEmbeddings(pixels, count).embeddings();

        for (int i = 0; i < count; i++) {
            float[] alone = engine.predictWithEmbeddings(
                    Arrays.copyOfRange(pixels, i * Images.PIXELS, (i + 1) * Images.PIXELS), 1).embeddings();
            for (int j = 0; j < WIDTH; j++) {
                assertThat(batched[i * WIDTH + j]).as("image %d unit %d", i, j).isCloseTo(alone[j], within(1e-5f));
            }
        }
    }

    @Test
    void aLinearModelHasNoEmbedding() {
        float[] weights = new float[Images.PIXELS * 10];
        try (LinearEngine linear = new LinearEngine(new LassoPipeline.AffineMap(weights, new float[10]))) {
            assertThat(linear.embeddingSize()).isZero();
            assertThatThrownBy(() -> linear.predictWithEmbeddings(new float[Images.PIXELS], 1))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }
}
