package dev.digitserve.training;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import dev.digitserve.inference.Images;
import dev.digitserve.inference.NativeBackend;

/**
 * The seed CNN: conv 32 3x3 relu (valid) -> conv 64 3x3 relu -> max-pool 2x2 -> dropout 0.25 ->
 * dense 128 relu -> dropout 0.5 -> dense 10 softmax, cross-entropy, Adadelta (or the parameters' {@link Optimizer}), Glorot-uniform weights
 * (Keras' default). It takes flat {@code N x 784} input, so serving needs no reshaping.
 *
 * <p>DL4J's dropout argument is the probability of <em>keeping</em> an activation: Keras'
 * {@code Dropout(0.25)} is {@code 0.75} here.
 */
public final class CnnArchitecture {
    private CnnArchitecture() {
    }

    public static MultiLayerNetwork build(CnnParameters parameters) {
        NativeBackend.configure();
        MultiLayerConfiguration configuration = new NeuralNetConfiguration.Builder()
                .seed(parameters.seed())
                .updater(parameters.optimizer().updater(parameters.rho(), parameters.epsilon()))
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .convolutionMode(ConvolutionMode.Truncate)
                // keep each convolution's pre-activation from the forward pass for the backward pass, which
                // otherwise runs the convolution again: one oneDNN forward per layer per step instead of two,
                // 54-61 -> 49-50 s/epoch (TrainProbe, batch 128, 2 cores); costs ~30 MB while training
                .cacheMode(CacheMode.DEVICE)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(64).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer.Builder(0.75).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new DropoutLayer.Builder(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(Images.SIDE, Images.SIDE, 1))
                .build();
        MultiLayerNetwork network = new MultiLayerNetwork(configuration);
        network.init();
        return network;
    }
}
