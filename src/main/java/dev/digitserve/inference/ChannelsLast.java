package dev.digitserve.inference;

import java.util.Map;
import java.util.Optional;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A channels-last (NHWC) copy of a channels-first CNN, for inference only.
 *
 * <p>Why: DL4J keeps activations channels-first (NCHW), and oneDNN's convolutions on this CPU run about twice
 * as fast on channels-last data (measured with the bare {@code conv2d} op: the seed's second convolution takes
 * 9.4 ms NCHW vs 4.5 ms NHWC for 64 images, 544 vs 289 µs for one); PyTorch's "channels-last" figures are the
 * same effect. Training stays channels-first, where DL4J's backward pass is fast and its channels-last one is
 * not (148 vs 75 s/epoch), and model files keep their format: the copy is made when a network is served.
 *
 * <p>Contract: {@link #of} returns a network that computes the same function on {@code [N, H, W, 1]} input
 * (the flat {@code N x H*W} pixels reshaped, which for one channel is the same memory) as the original does on
 * flat input, with every layer in the same place (so layer indices, such as the embedding layer's, still hold).
 * It returns empty when the network is not a plain stack it knows how to convert: a flat single-channel input
 * reshaped by DL4J's {@link FeedForwardToCnnPreProcessor}, then convolution, max/avg pooling and dropout layers,
 * one flattening step, then dense, dropout and output layers (each possibly frozen). Callers verify the copy
 * numerically before using it ({@link CnnEngine} does).
 */
final class ChannelsLast {
    private ChannelsLast() {
    }

    /** The input shape the copy expects for {@code count} images: {@code [count, height, width, 1]}. */
    record Converted(MultiLayerNetwork network, long height, long width) {
        long[] inputShape(int count) {
            return new long[] {count, height, width, 1};
        }
    }

    static Optional<Converted> of(MultiLayerNetwork original) {
        MultiLayerConfiguration configuration = original.getLayerWiseConfigurations().clone();
        Map<Integer, InputPreProcessor> preprocessors = configuration.getInputPreProcessors();
        if (preprocessors.size() != 2 || !(preprocessors.get(0) instanceof FeedForwardToCnnPreProcessor toCnn)
                || toCnn.getNumChannels() != 1) {
            return Optional.empty();
        }
        int flattenAt = -1;
        for (Map.Entry<Integer, InputPreProcessor> entry : preprocessors.entrySet()) {
            if (entry.getValue() instanceof CnnToFeedForwardPreProcessor) {
                flattenAt = entry.getKey();
            }
        }
        if (flattenAt <= 0) {
            return Optional.empty();
        }
        int layers = configuration.getConfs().size();
        for (int i = 0; i < layers; i++) {
            Layer layer = unwrap(configuration.getConf(i).getLayer());
            boolean spatial = i < flattenAt;
            if (spatial && layer.getClass() == ConvolutionLayer.class) {
                ((ConvolutionLayer) layer).setCnn2dDataFormat(CNN2DFormat.NHWC);
            } else if (spatial && layer.getClass() == SubsamplingLayer.class) {
                ((SubsamplingLayer) layer).setCnn2dDataFormat(CNN2DFormat.NHWC);
            } else if (!(layer.getClass() == DropoutLayer.class
                    || !spatial && (layer.getClass() == DenseLayer.class || layer.getClass() == OutputLayer.class))) {
                return Optional.empty();
            }
        }
        CnnToFeedForwardPreProcessor flatten = (CnnToFeedForwardPreProcessor) preprocessors.get(flattenAt);
        long height = flatten.getInputHeight();
        long width = flatten.getInputWidth();
        long channels = flatten.getNumChannels();
        preprocessors.remove(0);
        preprocessors.put(flattenAt, new CnnToFeedForwardPreProcessor(height, width, channels, CNN2DFormat.NHWC));

        MultiLayerNetwork copy = new MultiLayerNetwork(configuration);
        copy.init();
        for (int i = 0; i < layers; i++) {
            Map<String, INDArray> target = copy.getLayer(i).paramTable();
            for (Map.Entry<String, INDArray> parameter : original.getLayer(i).paramTable().entrySet()) {
                INDArray value = parameter.getValue();
                if (i == flattenAt && "W".equals(parameter.getKey())) {
                    // rows were ordered (channel, y, x) by the channels-first flatten; channels-last flattens (y, x, channel)
                    value = value.reshape('c', channels, height, width, value.size(1)).permute(1, 2, 0, 3)
                            .dup('c').reshape('c', height * width * channels, value.size(1));
                }
                target.get(parameter.getKey()).assign(value);
            }
        }
        return Optional.of(new Converted(copy, toCnn.getInputHeight(), toCnn.getInputWidth()));
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
}
