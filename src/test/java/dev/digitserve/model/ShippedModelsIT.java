package dev.digitserve.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.digitserve.data.MnistDataset;
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
    void cnnVersionTwoTrainedWithArtificialDataPasses0993AndIsWhatItsCardSays() throws Exception {
        ModelCard card = repository.readCard("cnn", 2);
        Path zip = repository.versionDirectory("cnn", 2).resolve(ModelKind.CNN.weightsFile());

        try (CnnEngine engine = CnnEngine.load(zip)) {
            Evaluation evaluation = Evaluator.evaluate(engine, TestData.testSet());

            assertThat(evaluation.accuracy()).isGreaterThanOrEqualTo(0.993);
            assertThat(evaluation.accuracy()).isCloseTo(card.metrics().accuracy(), within(0.0005));
        }
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
            Path zip = repository.versionDirectory("cnn", version).resolve(ModelKind.CNN.weightsFile());
            try (CnnEngine engine = CnnEngine.load(zip)) {
                float[] probabilities = engine.predict(pixels, uploads);
                int correct = 0;
                for (int i = 0; i < uploads; i++) {
                    if (argmax(probabilities, i * 10, 10) == test.label(i)) {
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

    private static int argmax(float[] values, int from, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[from + i] > values[from + best]) {
                best = i;
            }
        }
        return best;
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
