package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.junit.jupiter.api.Test;

import dev.digitserve.inference.NativeBackend;
import dev.digitserve.support.TestData;

class CnnTrainerIT {

    @Test
    void aShortRunLandsWellAboveChanceWithOneDnnActive() {
        CnnParameters parameters = new CnnParameters(1, 64, 7, 3000, 0.95, 1e-6);
        List<TrainingProgress> reports = new ArrayList<>();

        CnnTrainer.Result result = CnnTrainer.train(TestData.trainingSet(), TestData.testSet().head(2000),
                parameters, reports::add, () -> false);

        assertThat(NativeBackend.configure().oneDnn()).isTrue();
        assertThat(((ConvolutionLayer) result.network().getLayer(1)).getHelper()).isInstanceOf(MKLDNNConvHelper.class);
        assertThat(result.evaluation().accuracy()).as("10 classes: chance is 0.1").isGreaterThan(0.8);
        assertThat(reports).isNotEmpty();
        TrainingProgress last = reports.get(reports.size() - 1);
        assertThat(last.testAccuracy()).isEqualTo(result.evaluation().accuracy());
        assertThat(last.samplesSeen()).isEqualTo(3000);
        assertThat(last.iteration()).isEqualTo(47);
    }

    @Test
    void cancellationStopsBeforeTheNextIteration() {
        AtomicInteger polls = new AtomicInteger();
        CnnParameters parameters = new CnnParameters(1, 32, 7, 1000, 0.95, 1e-6);

        assertThatThrownBy(() -> CnnTrainer.train(TestData.trainingSet(), TestData.testSet().head(100), parameters,
                ProgressListener.NONE, () -> polls.incrementAndGet() > 3))
                .isInstanceOf(TrainingCancelledException.class);
        assertThat(polls).hasValue(4);
    }
}
