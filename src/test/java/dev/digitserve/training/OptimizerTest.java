package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    @Test
    void adamLearningRateShrinksByTheDecayEveryEpoch() {
        CnnParameters parameters = CnnParameters.reference().withOptimizer(Optimizer.adam(0.01, 0.5));
        MultiLayerNetwork network = CnnArchitecture.build(parameters);

        assertThat(network.getLearningRate(0)).isCloseTo(0.01, within(1e-12));
        network.incrementEpochCount();
        network.incrementEpochCount();
        assertThat(network.getLearningRate(0)).isCloseTo(0.0025, within(1e-12));
    }

    @Test
    void referenceRecipeKeepsAdadelta() {
        assertThat(CnnParameters.reference().optimizer()).isEqualTo(Optimizer.ADADELTA);
        assertThat(Optimizer.ADADELTA.describe(0.95, 1e-7)).isEqualTo("Adadelta(rho=0.95, epsilon=1.0E-7)");
        assertThat(Optimizer.adam(0.001, 0.8).describe(0.95, 1e-7)).isEqualTo("Adam(lr=0.001, decay per epoch=0.8)");
    }

    @Test
    void commandLineChoosesAdamWithItsSchedule() {
        assertThat(TrainCommand.optimizer(Map.of())).isEqualTo(Optimizer.ADADELTA);
        assertThat(TrainCommand.optimizer(Map.of("optimizer", "adam", "learning-rate", "0.002", "lr-decay", "0.85")))
                .isEqualTo(Optimizer.adam(0.002, 0.85));
    }

    @Test
    void refusesUnknownOptimizersAndBadRates() {
        assertThatThrownBy(() -> new Optimizer("sgd", 0.1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Optimizer.adam(0, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Optimizer.adam(0.001, 1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
