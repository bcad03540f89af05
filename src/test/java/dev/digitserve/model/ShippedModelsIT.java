package dev.digitserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.evaluation.Evaluation;
import dev.digitserve.evaluation.Evaluator;
import dev.digitserve.image.DigitImageReader;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.inference.Images;
import dev.digitserve.inference.LassoPipeline;
import dev.digitserve.inference.LinearEngine;
import dev.digitserve.support.TestData;
import dev.digitserve.support.TestImages;
import tools.jackson.databind.json.JsonMapper;

/** The models in models/ are what their cards say, measured again on the real test set. */
class ShippedModelsIT {
    private final JsonMapper json = JsonMapper.builder().build();
    private final ModelRepository repository = new ModelRepository(TestData.shippedModelsDir(), json);

    @Test
    void theShippedCnnReachesItsCardAccuracyOnTheTestSet() throws Exception {
        ModelCard card = repository.readCard("cnn", 1);
        Evaluation evaluation = evaluateShippedCnn(1);

        assertThat(evaluation.accuracy()).isGreaterThanOrEqualTo(0.99);
        assertThat(evaluation.accuracy()).isCloseTo(card.metrics().accuracy(), within(0.0005));
        assertThat(evaluation.lrap()).isCloseTo(card.metrics().lrap(), within(0.0005));
        assertThat(card.kind()).isEqualTo("cnn");
        assertThat(card.training().epochs()).isEqualTo(12);
        assertThat(card.training().samples()).isEqualTo(60_000);
        assertThat(card.datasetSha256()).containsValue("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
    }

    @Test
    void cnnVersionTwoTrainedWithArtificialDataPasses0993AndIsWhatItsCardSays() throws Exception {
        ModelCard card = repository.readCard("cnn", 2);
        Evaluation evaluation = evaluateShippedCnn(2);

        assertThat(evaluation.accuracy()).isGreaterThanOrEqualTo(0.993);
        assertThat(evaluation.accuracy()).isCloseTo(card.metrics().accuracy(), within(0.0005));
        assertThat(card.training().samples()).isEqualTo(60_000);
        assertThat(card.training().durationSeconds()).isPositive();
        // the card says how it was trained: the artificial data and the optimizer
        assertThat(json.writeValueAsString(card.training().parameters()))
                .contains("\"augmentation\"", "\"rotationDegrees\":8.0", "\"optimizer\"", "\"adam\"");
    }

    /**
     * Both shipped CNN versions on the first 300 test digits drawn as a user would send them: ten times
     * larger, black on white, smoothed, as PNG, through the same preprocessing as uploads.
     */
    @Test
    void bothCnnVersionsReadPhotoLikeUploads() throws Exception {
        MnistDataset test = TestData.testSet();
        DigitImageReader reader = new DigitImageReader();
        int uploads = 300;
        float[] pixels = new float[uploads * Images.PIXELS];
        for (int i = 0; i < uploads; i++) {
            float[] one = reader.toMnistInput(TestImages.png(TestImages.blackOnWhite(test.floats(i, i + 1), 280)));
            System.arraycopy(one, 0, pixels, i * Images.PIXELS, Images.PIXELS);
        }
        for (int version = 1; version <= 2; version++) {
            try (CnnEngine engine = loadShippedCnn(version)) {
                float[] probabilities = engine.predict(pixels, uploads);
                int correct = 0;
                for (int i = 0; i < uploads; i++) {
                    if (ClassificationMetrics.argmax(probabilities, 10, i) == test.label(i)) {
                        correct++;
                    }
                }
                double accuracy = correct / (double) uploads;
                System.out.printf(java.util.Locale.ROOT, "cnn version %d: %d of %d photo-like uploads read (%.4f)%n",
                        version, correct, uploads, accuracy);
                assertThat(accuracy).as("cnn version " + version).isGreaterThanOrEqualTo(0.97);
            }
        }
    }

    /** A shipped CNN version measured again on the whole test set. */
    private Evaluation evaluateShippedCnn(int version) throws IOException {
        try (CnnEngine engine = loadShippedCnn(version)) {
            return Evaluator.evaluate(engine, TestData.testSet());
        }
    }

    private CnnEngine loadShippedCnn(int version) throws IOException {
        return CnnEngine.load(repository.versionDirectory("cnn", version).resolve(ModelKind.CNN.weightsFile()));
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
