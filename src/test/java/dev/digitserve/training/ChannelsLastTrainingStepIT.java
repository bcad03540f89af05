package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.evaluation.Evaluator;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.support.TestData;

/**
 * With dropout on, the channels-last step and DL4J's fit are equal only in distribution; on real digits they
 * must learn equally well: the seed CNN from the same start, the same 3,000 images in the same batches.
 */
class ChannelsLastTrainingStepIT {

    @Test
    void learnsAsWellAsDl4jsFitWithDropoutOn() {
        MnistDataset train = TestData.trainingSet().head(3000);
        MnistDataset test = TestData.testSet().head(2000);
        CnnParameters parameters = CnnParameters.reference();
        MultiLayerNetwork channelsLast = CnnArchitecture.build(parameters);
        MultiLayerNetwork fit = CnnArchitecture.build(parameters);
        assertThat(channelsLast.params()).isEqualTo(fit.params());

        try (ChannelsLastTrainingStep step = ChannelsLastTrainingStep.of(channelsLast).orElseThrow()) {
            int batch = 64;
            for (int from = 0; from < train.count(); from += batch) {
                int rows = Math.min(batch, train.count() - from);
                INDArray x = Nd4j.create(train.floats(from, from + rows), new long[] {rows, MnistDataset.PIXELS}, 'c');
                INDArray y = Nd4j.zeros(rows, MnistDataset.CLASSES);
                for (int r = 0; r < rows; r++) {
                    y.putScalar(r, train.label(from + r), 1);
                }
                step.fit(x, y);
                fit.fit(new DataSet(x, y));
            }
        }

        double channelsLastAccuracy = Evaluator.evaluate(new CnnEngine(channelsLast), test).accuracy();
        double fitAccuracy = Evaluator.evaluate(new CnnEngine(fit), test).accuracy();
        assertThat(fitAccuracy).as("DL4J's fit after one pass over 3,000 digits").isGreaterThan(0.8);
        assertThat(channelsLastAccuracy).as("the channels-last step, against fit's %s", fitAccuracy)
                .isCloseTo(fitAccuracy, within(0.03));
    }
}
