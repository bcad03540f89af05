package dev.digitserve.inference;

import java.util.Arrays;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * What code that runs a DL4J network's layers as bare channels-last libnd4j operations needs from the layers'
 * configuration: the integer arguments of a convolution or pooling window, which of DL4J's convolution modes those
 * arguments express, and an activation's channels-last (NHWC) shape. Shared by the serving forward pass
 * ({@link ChannelsLastForward}) and the training step ({@code training.ChannelsLastTrainingStep}). Stateless.
 */
public final class ChannelsLastLayout {
    private ChannelsLastLayout() {
    }

    /** Whether libnd4j's window arguments express {@code mode}: truncate and strict (explicit padding) or same. */
    public static boolean knownMode(ConvolutionMode mode) {
        return mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict || mode == ConvolutionMode.Same;
    }

    /**
     * libnd4j's integer arguments for a window (kH, kW, sH, sW, pH, pW, dH, dW, 1 for same mode), then
     * {@code more} (for {@code conv2d} the data format and the weight layout, for {@code maxpool2d} an unused value
     * and the data format).
     */
    public static int[] window(int[] kernel, int[] stride, int[] padding, int[] dilation, ConvolutionMode mode,
                               int... more) {
        int[] window = {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1],
                mode == ConvolutionMode.Same ? 1 : 0};
        int[] arguments = Arrays.copyOf(window, window.length + more.length);
        System.arraycopy(more, 0, arguments, window.length, more.length);
        return arguments;
    }

    /** One image's activation of type {@code type}, channels-last: {height, width, channels}, or {size} when flat. */
    public static long[] perImage(InputType type) {
        if (type instanceof InputType.InputTypeConvolutional convolutional) {
            return new long[] {convolutional.getHeight(), convolutional.getWidth(), convolutional.getChannels()};
        }
        return new long[] {type.arrayElementsPerExample()};
    }

    /** {@code perImage} with a leading dimension of {@code rows} images. */
    public static long[] withRows(long rows, long[] perImage) {
        long[] result = new long[perImage.length + 1];
        result[0] = rows;
        System.arraycopy(perImage, 0, result, 1, perImage.length);
        return result;
    }
}
