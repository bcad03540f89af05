package dev.digitserve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.datasets.DatasetManifest;
import dev.digitserve.datasets.LabelledImages;
import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.model.ModelCard;
import dev.digitserve.training.CnnArchitecture;
import dev.digitserve.training.CnnParameters;
import dev.digitserve.training.CnnTrainer;
import dev.digitserve.training.FineTuner;
import tools.jackson.databind.json.JsonMapper;

/**
 * The "not enough data" experiment of issue 13: a base CNN trained on MNIST digits 0-7 only, then 8 and 9 added
 * from k = 10, 50, 200 training images per new class, three ways: fine-tuning with the convolution layers frozen,
 * fine-tuning everything, and the seed CNN from scratch on the same small data (the same 0-7 subset plus the k
 * images of 8 and 9, repeated the same way). Accuracy on the test set's 8s and 9s, its 0-7, and all 10 digits.
 *
 * <p>Args: {@code <mnist dir> <base samples> <base epochs> <0-7 samples per run> <epochs per run>}. The fine-tuning
 * runs use exactly the code path of a training job ({@link FineTuner#plan}, {@link FineTuner#network},
 * {@link CnnTrainer#fit}).
 */
public final class TransferBenchmark {
    private static final int[] KS = {10, 50, 200};
    private static final long SEED = 42;

    private TransferBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path dataDir = Path.of(args.length > 0 ? args[0] : "data/mnist");
        int baseSamples = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int baseEpochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int runSamples = args.length > 3 ? Integer.parseInt(args[3]) : 5_000;
        int runEpochs = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        MnistDataset train = Mnist.train(dataDir);
        MnistDataset test = Mnist.test(dataDir);
        MnistDataset zeroToSeven = filter(train, 0, 7);

        long started = System.nanoTime();
        CnnParameters baseParameters = new CnnParameters(baseEpochs, 128, SEED, baseSamples, 0.95, 1e-7);
        MultiLayerNetwork fresh = CnnArchitecture.build(baseParameters);
        MultiLayerNetwork eightClasses = new TransferLearning.Builder(fresh)
                .nOutReplace(fresh.getnLayers() - 1, 8, WeightInit.XAVIER).build();
        MnistDataset baseTrain = zeroToSeven.head(baseSamples);
        MultiLayerNetwork base = CnnTrainer.fit(eightClasses, baseTrain, 8, filter(test, 0, 7), baseParameters,
                p -> { }, () -> false).network();
        double baseSeconds = (System.nanoTime() - started) / 1e9;
        double baseAccuracy = accuracy(base, filter(test, 0, 7), 8)[0];
        System.out.printf(Locale.ROOT, "base: %d images of 0-7, %d epochs, %.0f s, accuracy on test 0-7 %.4f%n",
                baseTrain.count(), baseEpochs, baseSeconds, baseAccuracy);

        List<String> baseLabels = ModelCard.DIGITS.subList(0, 8);
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.println("| k per new class | method | accuracy on test 8s and 9s | on test 0-7 | on all 10 digits | seconds |");
        System.out.println("| ---: | --- | ---: | ---: | ---: | ---: |");
        for (int k : KS) {
            LabelledImages newDigits = newDigits(train, k);
            MnistDataset mnistPart = zeroToSeven.head(runSamples);
            FineTuner.Plan plan = FineTuner.plan(newDigits, mnistPart, test, SEED);
            CnnParameters parameters = new CnnParameters(runEpochs, 64, SEED, Integer.MAX_VALUE, 0.95, 1e-7);
            for (String method : List.of("fine-tune, frozen features", "fine-tune everything", "from scratch")) {
                long t0 = System.nanoTime();
                MultiLayerNetwork start = switch (method) {
                    case "fine-tune, frozen features" -> FineTuner.network(base.clone(), baseLabels, plan.labels(), "features", SEED, 1e-3);
                    case "fine-tune everything" -> FineTuner.network(base.clone(), baseLabels, plan.labels(), "none", SEED, 1e-3);
                    default -> CnnArchitecture.build(parameters);
                };
                MultiLayerNetwork trained = CnnTrainer.fit(start, plan.train(), 10, test, parameters, p -> { },
                        () -> false).network();
                double seconds = (System.nanoTime() - t0) / 1e9;
                double[] acc = accuracy(trained, test, 10);
                System.out.printf(Locale.ROOT, "| %d | %s | %.2f%% | %.2f%% | %.2f%% | %.0f |%n", k, method,
                        100 * acc[1], 100 * acc[2], 100 * acc[0], seconds);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("k", k);
                row.put("method", method);
                row.put("trainingImages", plan.train().count());
                row.put("accuracyNew", acc[1]);
                row.put("accuracy0to7", acc[2]);
                row.put("accuracyAll", acc[0]);
                row.put("seconds", seconds);
                rows.add(row);
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("when", Instant.now().toString());
        result.put("base", Map.of("samples", baseTrain.count(), "epochs", baseEpochs, "seconds", baseSeconds,
                "accuracy0to7", baseAccuracy));
        result.put("runSamples0to7", runSamples);
        result.put("runEpochs", runEpochs);
        result.put("runs", rows);
        Path out = Path.of("bench/results/transfer-" + System.currentTimeMillis() + ".json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println("wrote " + out);
    }

    /** [all, labels 8 and 9, labels 0-7] accuracy of a network whose output i is digit i. */
    private static double[] accuracy(MultiLayerNetwork network, MnistDataset data, int classes) {
        CnnEngine engine = new CnnEngine(network);
        int correct = 0;
        int correctNew = 0;
        int totalNew = 0;
        int correctOld = 0;
        for (int from = 0; from < data.count(); from += 500) {
            int to = Math.min(data.count(), from + 500);
            float[] outputs = engine.predict(data.floats(from, to), to - from);
            for (int i = from; i < to; i++) {
                boolean right = ClassificationMetrics.argmax(outputs, classes, i - from) == data.label(i);
                correct += right ? 1 : 0;
                if (data.label(i) >= 8) {
                    totalNew++;
                    correctNew += right ? 1 : 0;
                } else {
                    correctOld += right ? 1 : 0;
                }
            }
        }
        int totalOld = data.count() - totalNew;
        return new double[] {correct / (double) data.count(), totalNew == 0 ? Double.NaN : correctNew / (double) totalNew,
                totalOld == 0 ? Double.NaN : correctOld / (double) totalOld};
    }

    private static MnistDataset filter(MnistDataset data, int from, int to) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < data.count(); i++) {
            if (data.label(i) >= from && data.label(i) <= to) {
                rows.add(i);
            }
        }
        return rowsOf(data, rows);
    }

    private static MnistDataset rowsOf(MnistDataset data, List<Integer> rows) {
        byte[] pixels = new byte[rows.size() * MnistDataset.PIXELS];
        byte[] labels = new byte[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(data.pixels(), rows.get(i) * MnistDataset.PIXELS, pixels, i * MnistDataset.PIXELS,
                    MnistDataset.PIXELS);
            labels[i] = data.labels()[rows.get(i)];
        }
        return new MnistDataset(rows.size(), pixels, labels);
    }

    /** The first k training 8s and k training 9s as a dataset with labels "8" and "9" (indices 0 and 1). */
    private static LabelledImages newDigits(MnistDataset train, int k) {
        List<Integer> rows = new ArrayList<>();
        int eights = 0;
        int nines = 0;
        for (int i = 0; i < train.count() && (eights < k || nines < k); i++) {
            if (train.label(i) == 8 && eights < k) {
                rows.add(i);
                eights++;
            } else if (train.label(i) == 9 && nines < k) {
                rows.add(i);
                nines++;
            }
        }
        MnistDataset selected = rowsOf(train, rows);
        byte[] indices = new byte[selected.count()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = (byte) (selected.label(i) - 8);
        }
        DatasetManifest manifest = new DatasetManifest("bench", "8 and 9, k=" + k, Instant.now(), "idx",
                selected.count(), List.of(new DatasetManifest.LabelCount("8", k), new DatasetManifest.LabelCount("9", k)),
                Map.of(), List.of());
        return new LabelledImages(manifest, List.of("8", "9"), selected.count(), selected.pixels(), indices);
    }
}
