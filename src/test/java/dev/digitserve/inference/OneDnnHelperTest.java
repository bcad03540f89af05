package dev.digitserve.inference;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import dev.digitserve.training.CnnArchitecture;
import dev.digitserve.training.CnnParameters;

/** Fails when the CNN's convolutions run without oneDNN on the CPU backend (the 5x slowdown). */
class OneDnnHelperTest {

    @Test
    void nativeBackendReportsOneDnnOnTheCpu() {
        NativeBackend.Info info = NativeBackend.configure();
        assertThat(info.backend()).isEqualToIgnoringCase("CPU");
        assertThat(info.oneDnn()).as("libnd4j built with oneDNN and switched on").isTrue();
        assertThat(info.layerHelpersEnabled()).isTrue();
        assertThat(info.nativeLibrary()).contains("onednn");
    }

    @Test
    void everyConvolutionAndPoolingLayerRunsWithItsOneDnnHelper() {
        MultiLayerNetwork network = CnnArchitecture.build(CnnParameters.reference());
        network.output(Nd4j.rand(4, 784), false);

        for (int layer : new int[] {0, 1}) {
            ConvolutionLayer convolution = (ConvolutionLayer) network.getLayer(layer);
            assertThat(convolution.getHelper()).as("helper of convolution layer %d", layer)
                    .isInstanceOf(MKLDNNConvHelper.class);
        }
        SubsamplingLayer pooling = (SubsamplingLayer) network.getLayer(2);
        assertThat(pooling.getHelper()).isInstanceOf(MKLDNNSubsamplingHelper.class);
    }
}
