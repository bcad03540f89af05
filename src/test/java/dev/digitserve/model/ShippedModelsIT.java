package dev.digitserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.digitserve.evaluation.Evaluation;
import dev.digitserve.evaluation.Evaluator;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.inference.LassoPipeline;
import dev.digitserve.inference.LinearEngine;
import dev.digitserve.support.TestData;
import tools.jackson.databind.json.JsonMapper;

/** The models in models/ are what their cards say, measured again on the real test set. */
class ShippedModelsIT {
    private final JsonMapper json = JsonMapper.builder().build();
    private final ModelRepository repository = new ModelRepository(TestData.shippedModelsDir(), json);

    @Test
    void theShippedCnnReachesItsCardAccuracyOnTheTestSet() throws Exception {
        ModelCard card = repository.readCard("cnn", 1);
        Path zip = repository.versionDirectory("cnn", 1).resolve(ModelKind.CNN.weightsFile());

        try (CnnEngine engine = CnnEngine.load(zip)) {
            Evaluation evaluation = Evaluator.evaluate(engine, TestData.testSet());

            assertThat(evaluation.accuracy()).isGreaterThanOrEqualTo(0.99);
            assertThat(evaluation.accuracy()).isCloseTo(card.metrics().accuracy(), within(0.0005));
            assertThat(evaluation.lrap()).isCloseTo(card.metrics().lrap(), within(0.0005));
        }
        assertThat(card.kind()).isEqualTo("cnn");
        assertThat(card.training().epochs()).isEqualTo(12);
        assertThat(card.training().samples()).isEqualTo(60_000);
        assertThat(card.datasetSha256()).containsValue("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
    }

    @Test
    void theShippedLassoReproducesTheLrapInItsCard() throws Exception {
        ModelCard card = repository.readCard("lasso", 1);
        Path weights = repository.versionDirectory("lasso", 1).resolve(ModelKind.LASSO.weightsFile());
        LassoPipeline pipeline = json.readValue(weights.toFile(), LassoPipeline.class);

        try (LinearEngine engine = new LinearEngine(pipeline.fold())) {
            Evaluation evaluation = Evaluator.evaluate(engine, TestData.testSet());

            assertThat(evaluation.lrap()).isCloseTo(card.metrics().lrap(), within(1e-6));
            assertThat(evaluation.lrap()).isCloseTo(0.4780, within(0.0005));
        }
        assertThat(card.kind()).isEqualTo("lasso");
    }
}
