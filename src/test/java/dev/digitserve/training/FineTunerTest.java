package dev.digitserve.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.datasets.DatasetManifest;
import dev.digitserve.datasets.LabelledImages;

/** The fine-tuning plan's data and recipe choices, on synthetic images (no network is trained). */
class FineTunerTest {

    /** {@code perLabel} images of each label, pixel 0 holding the image's number so rows can be told apart. */
    private static LabelledImages dataset(List<String> labels, int perLabel) {
        int count = labels.size() * perLabel;
        byte[] pixels = new byte[count * MnistDataset.PIXELS];
        byte[] indices = new byte[count];
        for (int i = 0; i < count; i++) {
            indices[i] = (byte) (i % labels.size());
            pixels[i * MnistDataset.PIXELS] = (byte) i;
        }
        DatasetManifest manifest = new DatasetManifest("test", "test", Instant.EPOCH, "idx", count,
                labels.stream().map(l -> new DatasetManifest.LabelCount(l, perLabel)).toList(), Map.of(), List.of());
        return new LabelledImages(manifest, labels, count, pixels, indices);
    }

    /** {@code count} "MNIST" images of the digits 0..{@code digits - 1} in turn. */
    private static MnistDataset digits(int count, int digits) {
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % digits);
        }
        return new MnistDataset(count, new byte[count * MnistDataset.PIXELS], labels);
    }

    @Test
    void aFewNewImagesAmongThousandsOfDigitsAreTrainedOnceEachButSampledClassBalanced() {
        FineTuner.Plan plan = FineTuner.plan(dataset(List.of("8", "9"), 50), digits(5000, 8), null, 42);

        assertThat(plan.labels()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(plan.datasetSamples()).as("5 of each 50 held out").isEqualTo(90);
        assertThat(plan.train().count()).as("no image repeated in the data itself").isEqualTo(5090);
        assertThat(plan.evaluations().get(FineTuner.HOLDOUT).count()).isEqualTo(10);
        assertThat(plan.balanced()).isTrue();
        assertThat(plan.epochDraws()).isEqualTo(5090);

        int[] perClass = new int[10];
        for (int row : plan.sampler().nextEpoch(new Random(1))) {
            perClass[plan.train().label(row)]++;
        }
        assertThat(perClass).containsExactly(509, 509, 509, 509, 509, 509, 509, 509, 509, 509);
    }

    @Test
    void aSmallDatasetAloneStillGetsEnoughDrawsPerEpoch() {
        FineTuner.Plan plan = FineTuner.plan(dataset(List.of("plus", "x"), 30), null, null, 42);

        assertThat(plan.train().count()).isEqualTo(54);
        assertThat(plan.epochDraws()).isEqualTo(FineTuner.MIN_EPOCH_DRAWS);
        assertThat(plan.balanced()).isTrue();
        assertThat(plan.sampler().nextEpoch(new Random(1))).hasSize(FineTuner.MIN_EPOCH_DRAWS);
    }

    @Test
    void aLargeEvenDatasetIsShuffledPlainly() {
        FineTuner.Plan plan = FineTuner.plan(dataset(List.of("a", "b", "c"), 1000), null, null, 42);

        assertThat(plan.balanced()).isFalse();
        assertThat(plan.epochDraws()).isEqualTo(plan.train().count()).isEqualTo(2700);
        int[] epoch = plan.sampler().nextEpoch(new Random(1));
        assertThat(java.util.Arrays.stream(epoch).distinct().count()).isEqualTo(2700L);
    }

    @Test
    void theHeldOutSplitIsSeededAndDisjointFromTraining() {
        LabelledImages dataset = dataset(List.of("a", "b"), 40);
        FineTuner.Plan plan = FineTuner.plan(dataset, null, null, 7);
        FineTuner.Plan again = FineTuner.plan(dataset, null, null, 7);
        FineTuner.Plan other = FineTuner.plan(dataset, null, null, 8);

        MnistDataset heldOut = plan.evaluations().get(FineTuner.HOLDOUT);
        assertThat(again.evaluations().get(FineTuner.HOLDOUT).pixels()).isEqualTo(heldOut.pixels());
        assertThat(other.evaluations().get(FineTuner.HOLDOUT).pixels()).isNotEqualTo(heldOut.pixels());
        java.util.Set<Byte> trained = new java.util.HashSet<>();
        for (int i = 0; i < plan.train().count(); i++) {
            trained.add(plan.train().pixels()[i * MnistDataset.PIXELS]);
        }
        for (int i = 0; i < heldOut.count(); i++) {
            assertThat(trained).doesNotContain(heldOut.pixels()[i * MnistDataset.PIXELS]);
        }
    }

    @Test
    void theRecipeTrainsEverythingMoreGentlyThanTheHeadAndRecordsItsChoices() {
        assertThat(FineTuner.learningRate("none")).isLessThan(FineTuner.learningRate("features"));
        assertThat(FineTuner.parameters(CnnParameters.reference()).augmentation()).isEqualTo(FineTuner.AUGMENTATION);
        assertThat(FineTuner.AUGMENTATION.enabled()).isTrue();

        FineTuner.Plan plan = FineTuner.plan(dataset(List.of("8", "9"), 50), digits(5000, 8), null, 42);
        Map<String, Object> recipe = FineTuner.recipe(plan, "none");
        assertThat(recipe).containsEntry("learningRate", FineTuner.learningRate("none"))
                .containsEntry("sampling", "class-balanced").containsEntry("epochDraws", 5090)
                .containsKey("augmentation");
    }

    @Test
    void aJobsOwnAugmentationWinsOverTheRecipesAndIsWhatTheCardRecords() {
        Augmentation own = new Augmentation(4, 1, 1, 1, 0, 0);
        CnnParameters parameters = FineTuner.parameters(CnnParameters.reference().withAugmentation(own));
        assertThat(parameters.augmentation()).isEqualTo(own);

        FineTuner.Plan plan = FineTuner.plan(dataset(List.of("8", "9"), 50), digits(5000, 8), null, 42);
        @SuppressWarnings("unchecked")
        Map<String, Object> recorded = (Map<String, Object>) FineTuner.recipe(plan, "features", own).get("augmentation");
        assertThat(recorded).containsEntry("rotationDegrees", 4.0).containsEntry("shiftPixels", 1.0)
                .containsEntry("elasticAlpha", 0.0);
    }
}
