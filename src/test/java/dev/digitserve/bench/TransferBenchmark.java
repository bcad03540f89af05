package dev.digitserve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.learning.config.Adam;

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
import dev.digitserve.training.TrainingProgress;
import tools.jackson.databind.json.JsonMapper;

/**
 * The "not enough data" experiment of issue 13: a base CNN trained on MNIST digits 0-7 only, then 8 and 9 added
 * from k = 10, 50, 200 training images per new class, three ways: fine-tuning with the convolution layers frozen,
 * fine-tuning everything, and the seed CNN from scratch on the same small data. Accuracy on the test set's 8s and
 * 9s, its 0-7, and all 10 digits.
 *
 * <p>The k images of each new class are drawn, seeded, from the training set's 8s and 9s (the draws for a smaller k
 * are a subset of those for a larger one). Every run, from scratch included, goes through exactly the code path of
 * a fine-tuning job with {@code include: mnist}: {@link FineTuner#plan} (which holds out 10% of the k images, so
 * 9, 45 and 180 per class are trained on), the recipe's parameters, augmentation and sampler
 * ({@link FineTuner#parameters}, {@link FineTuner.Plan#sampler}), {@link FineTuner#network} and
 * {@link CnnTrainer#fit}; the from-scratch run swaps only the starting network (the seed CNN, Adadelta). The
 * test set is used for the final report only: what the trainer evaluates after each epoch is the held-out part
 * of the k images, and settings are chosen with {@code --validate}, which reports on training images kept out of
 * every run instead (the last 4,000 training images of 0-7, never seen by the base either, and 1,000 each of 8
 * and 9 that are never among the k drawn).
 *
 * <p>Options ({@code --name=value}): {@code data} (data/mnist), {@code base-samples} (all ~44k training images of
 * 0-7 outside the validation images), {@code base-epochs} (3), {@code base-cache} (a file to keep the trained base in and read it back from when
 * it was trained by the same recipe; none by default), {@code base-only} (stop after the base),
 * {@code run-samples} (training images of 0-7 per run, 10000), {@code run-epochs} (5), {@code batch-size} (64),
 * {@code ks} (10,50,200), {@code methods} (frozen,all,scratch), {@code validate} (report on the validation images).
 */
public final class TransferBenchmark {
    private static final long SEED = 42;
    private static final int VALIDATION_OLD = 4000;
    private static final int VALIDATION_NEW = 1000;
    private static final Map<String, String> METHODS = new LinkedHashMap<>();

    static {
        METHODS.put("frozen", "fine-tune, frozen features");
        METHODS.put("all", "fine-tune everything");
        METHODS.put("scratch", "from scratch");
    }

    private TransferBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("options are --name=value, got " + arg);
            }
            int eq = arg.indexOf('=');
            options.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "true" : arg.substring(eq + 1));
        }
        Path dataDir = Path.of(options.getOrDefault("data", "data/mnist"));
        int baseSamples = Integer.parseInt(options.getOrDefault("base-samples", Integer.toString(Integer.MAX_VALUE)));
        int baseEpochs = Integer.parseInt(options.getOrDefault("base-epochs", "3"));
        Path baseCache = options.containsKey("base-cache") ? Path.of(options.get("base-cache")) : null;
        int runSamples = Integer.parseInt(options.getOrDefault("run-samples", "10000"));
        int runEpochs = Integer.parseInt(options.getOrDefault("run-epochs", "5"));
        int batchSize = Integer.parseInt(options.getOrDefault("batch-size", "64"));
        int[] ks = Arrays.stream(options.getOrDefault("ks", "10,50,200").split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> methods = List.of(options.getOrDefault("methods", String.join(",", METHODS.keySet())).split(","));
        for (String method : methods) {
            if (!METHODS.containsKey(method)) {
                throw new IllegalArgumentException("methods are " + METHODS.keySet() + ", got " + method);
            }
        }

        MnistDataset train = Mnist.train(dataDir);
        MnistDataset test = Mnist.test(dataDir);
        // the last VALIDATION_OLD training images of 0-7 and the last VALIDATION_NEW of the shuffled 8s and 9s are
        // kept out of every run: --validate reports on them instead of the test set, for choosing the settings
        MnistDataset allZeroToSeven = filter(train, 0, 7);
        MnistDataset zeroToSeven = allZeroToSeven.head(allZeroToSeven.count() - VALIDATION_OLD);
        boolean validate = options.containsKey("validate");
        MnistDataset evaluationSet = validate ? validationSet(train, allZeroToSeven) : test;
        String evaluated = validate ? "validation" : "test";
        Base base = base(zeroToSeven, filter(test, 0, 7), baseEpochs, baseSamples, baseCache);
        if (options.containsKey("base-only")) {
            return;
        }
        MultiLayerNetwork baseNetwork = base.network();

        List<String> baseLabels = ModelCard.DIGITS.subList(0, 8);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> table = new ArrayList<>();
        table.add("| k per new class | method | accuracy on " + evaluated + " 8s and 9s | on " + evaluated
                + " 0-7 | on all 10 digits | seconds |");
        table.add("| ---: | --- | ---: | ---: | ---: | ---: |");
        for (int k : ks) {
            LabelledImages newDigits = newDigits(train, k);
            FineTuner.Plan plan = FineTuner.plan(newDigits, zeroToSeven.head(runSamples), null, SEED);
            CnnParameters parameters = FineTuner.parameters(
                    new CnnParameters(runEpochs, batchSize, SEED, Integer.MAX_VALUE, 0.95, 1e-7));
            for (String method : methods) {
                System.out.printf(Locale.ROOT, "k = %d, %s: %d images (%d of 8 and 9), %s, %d draws per epoch%n", k,
                        METHODS.get(method), plan.train().count(), plan.datasetSamples(),
                        plan.balanced() ? "class-balanced" : "shuffled", plan.epochDraws());
                long t0 = System.nanoTime();
                MultiLayerNetwork start = switch (method) {
                    case "frozen" -> FineTuner.network(baseNetwork.clone(), baseLabels, plan.labels(), "features",
                            SEED, FineTuner.learningRate("features"));
                    case "all" -> FineTuner.network(baseNetwork.clone(), baseLabels, plan.labels(), "none", SEED,
                            FineTuner.learningRate("none"));
                    default -> CnnArchitecture.build(parameters);
                };
                MultiLayerNetwork trained = CnnTrainer.fit(start, plan.train(), plan.labels().size(),
                        plan.evaluationSet(), parameters, plan.sampler(), TransferBenchmark::log, () -> false).network();
                double seconds = (System.nanoTime() - t0) / 1e9;
                double[] acc = accuracy(trained, evaluationSet, 10);
                String line = String.format(Locale.ROOT, "| %d | %s | %.2f%% | %.2f%% | %.2f%% | %.0f |", k,
                        METHODS.get(method), 100 * acc[1], 100 * acc[2], 100 * acc[0], seconds);
                System.out.println(line);
                table.add(line);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("k", k);
                row.put("method", METHODS.get(method));
                row.put("trainingImages", plan.train().count());
                row.put("newImagesTrainedOn", plan.datasetSamples());
                row.put("accuracyNew", acc[1]);
                row.put("accuracy0to7", acc[2]);
                row.put("accuracyAll", acc[0]);
                row.put("seconds", seconds);
                rows.add(row);
            }
        }
        System.out.println();
        table.forEach(System.out::println);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("when", Instant.now().toString());
        result.put("options", options);
        result.put("evaluatedOn", validate ? "validation: " + VALIDATION_OLD + " training images of 0-7 and "
                + VALIDATION_NEW + " each of 8 and 9 kept out of every run" : "the MNIST test set");
        result.put("base", base.description());
        result.put("runSamples0to7", runSamples);
        result.put("runEpochs", runEpochs);
        result.put("batchSize", batchSize);
        result.put("recipe", FineTuner.recipe(FineTuner.plan(newDigits(train, ks[0]), zeroToSeven.head(runSamples),
                null, SEED), "features"));
        result.put("runs", rows);
        Path out = Path.of("bench/results/transfer-" + System.currentTimeMillis() + ".json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println("wrote " + out);
    }

    /** The base network, its recipe and its accuracy on test 0-7. */
    private record Base(MultiLayerNetwork network, Map<String, Object> description) {
    }

    /**
     * The 8-class base: the seed CNN's layers with an 8-unit output, trained with Adam (1e-3, batch 128) on the first
     * {@code samples} training images of 0-7 for {@code epochs}. Read from {@code cache} when that file was written
     * by the same recipe (its description sits beside it as JSON), so repeated runs need not retrain it.
     */
    private static Base base(MnistDataset zeroToSeven, MnistDataset test0to7, int epochs, int samples, Path cache)
            throws IOException {
        MnistDataset baseTrain = zeroToSeven.head(samples);
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("architecture", "seed CNN, 8 outputs");
        recipe.put("updater", "Adam(1e-3)");
        recipe.put("batchSize", 128);
        recipe.put("seed", SEED);
        recipe.put("samples", baseTrain.count());
        recipe.put("epochs", epochs);
        JsonMapper json = JsonMapper.builder().build();
        Path descriptionFile = cache == null ? null : cache.resolveSibling(cache.getFileName() + ".json");
        if (cache != null && Files.exists(cache) && Files.exists(descriptionFile)) {
            Map<?, ?> cached = json.readValue(descriptionFile.toFile(), Map.class);
            // compared as JSON, so that a number read back as another boxed type still matches
            if (json.readTree(json.writeValueAsString(recipe)).equals(json.readTree(descriptionFile.toFile()).get("recipe"))) {
                MultiLayerNetwork network = CnnEngine.load(cache).network();
                @SuppressWarnings("unchecked")
                Map<String, Object> description = (Map<String, Object>) cached;
                System.out.printf(Locale.ROOT, "base: read from %s (%s), accuracy on test 0-7 %.4f%n", cache,
                        recipe, ((Number) description.get("accuracy0to7")).doubleValue());
                return new Base(network, description);
            }
            System.out.println("base: " + cache + " was trained by another recipe; training again");
        }
        long started = System.nanoTime();
        CnnParameters parameters = new CnnParameters(epochs, 128, SEED, samples, 0.95, 1e-7);
        MultiLayerNetwork fresh = CnnArchitecture.build(parameters);
        MultiLayerNetwork eightClasses = new TransferLearning.Builder(fresh)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).seed(SEED).build())
                .nOutReplace(fresh.getnLayers() - 1, 8, WeightInit.XAVIER).build();
        MultiLayerNetwork network = CnnTrainer.fit(eightClasses, baseTrain, 8, test0to7, parameters,
                TransferBenchmark::log,
                () -> false).network();
        double seconds = (System.nanoTime() - started) / 1e9;
        double accuracy = accuracy(network, test0to7, 8)[0];
        System.out.printf(Locale.ROOT, "base: %d images of 0-7, %d epochs, %.0f s, accuracy on test 0-7 %.4f%n",
                baseTrain.count(), epochs, seconds, accuracy);
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("recipe", recipe);
        description.put("seconds", seconds);
        description.put("accuracy0to7", accuracy);
        if (cache != null) {
            Files.createDirectories(cache.toAbsolutePath().getParent());
            ModelSerializer.writeModel(network, cache.toFile(), false);
            Files.writeString(descriptionFile, json.writeValueAsString(description));
        }
        return new Base(network, description);
    }

    /** One line every 100 iterations and at each epoch's end. */
    private static void log(TrainingProgress p) {
        if (p.testAccuracy() != null || p.iteration() % 100 == 0) {
            System.out.printf(Locale.ROOT, "  epoch %d/%d, %d images, loss %.4f, %.0f images/s, %.0f s left%s%n",
                    p.epoch(), p.epochs(), p.samplesSeen(), p.loss(), p.imagesPerSecond(), p.remainingSeconds(),
                    p.testAccuracy() == null ? "" : String.format(Locale.ROOT, ", evaluation set %.4f", p.testAccuracy()));
        }
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

    /** The validation images: the last training images of 0-7 and the last of each new digit's shuffled rows. */
    private static MnistDataset validationSet(MnistDataset train, MnistDataset allZeroToSeven) {
        List<Integer> rows = new ArrayList<>();
        for (int digit = 8; digit <= 9; digit++) {
            List<Integer> ofDigit = shuffledRows(train, digit);
            rows.addAll(ofDigit.subList(ofDigit.size() - VALIDATION_NEW, ofDigit.size()));
        }
        MnistDataset old = rowsOf(allZeroToSeven, java.util.stream.IntStream.range(
                allZeroToSeven.count() - VALIDATION_OLD, allZeroToSeven.count()).boxed().toList());
        return concat(old, rowsOf(train, rows));
    }

    private static MnistDataset concat(MnistDataset a, MnistDataset b) {
        byte[] pixels = java.util.Arrays.copyOf(a.pixels(), a.pixels().length + b.pixels().length);
        System.arraycopy(b.pixels(), 0, pixels, a.pixels().length, b.pixels().length);
        byte[] labels = java.util.Arrays.copyOf(a.labels(), a.count() + b.count());
        System.arraycopy(b.labels(), 0, labels, a.count(), b.count());
        return new MnistDataset(a.count() + b.count(), pixels, labels);
    }

    /** The training rows of {@code digit} in a seeded random order (the same on every call). */
    private static List<Integer> shuffledRows(MnistDataset train, int digit) {
        List<Integer> ofDigit = new ArrayList<>();
        for (int i = 0; i < train.count(); i++) {
            if (train.label(i) == digit) {
                ofDigit.add(i);
            }
        }
        Collections.shuffle(ofDigit, new Random(SEED + digit));
        return ofDigit;
    }

    /**
     * k training 8s and k training 9s drawn at random (seeded; each class's rows are shuffled once, so the draws for
     * a smaller k are the first of those for a larger one), as a dataset with labels "8" and "9" (indices 0 and 1).
     */
    private static LabelledImages newDigits(MnistDataset train, int k) {
        List<Integer> rows = new ArrayList<>();
        for (int digit = 8; digit <= 9; digit++) {
            List<Integer> ofDigit = shuffledRows(train, digit);
            if (k > ofDigit.size() - VALIDATION_NEW) {
                throw new IllegalArgumentException("k = " + k + " would reach into the validation images");
            }
            rows.addAll(ofDigit.subList(0, k));
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
