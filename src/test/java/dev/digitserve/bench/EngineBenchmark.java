package dev.digitserve.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.inference.LassoPipeline;
import dev.digitserve.inference.LinearEngine;
import dev.digitserve.inference.NativeBackend;
import dev.digitserve.training.ChannelsLastTrainingStep;
import dev.digitserve.training.CnnArchitecture;
import dev.digitserve.training.CnnParameters;
import dev.digitserve.training.LassoParameters;
import dev.digitserve.training.LassoTrainer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Engine-level speed: CNN training seconds per epoch (timed over a slice of an epoch and scaled to 60k
 * images), CNN inference images/s by batch size, Lasso fit seconds, Lasso inference images/s. Each
 * inference figure is the median of several timed rounds. Run it through {@code bench/engine.sh}.
 */
public final class EngineBenchmark {
    private static final int ROUNDS = 5;
    private static final double ROUND_SECONDS = 1.5;

    public static void main(String[] args) throws IOException {
        Path dataDir = Path.of(args.length > 0 ? args[0] : "data/mnist");
        Path modelsDir = Path.of(args.length > 1 ? args[1] : "models");
        int trainIterations = Integer.parseInt(System.getProperty("bench.train-iterations", "120"));
        boolean engineOnly = Boolean.getBoolean("bench.engine-only");
        // replicas > 1: as many threads call the engine at once, each on its own serving copy (run the JVM with
        // OMP_NUM_THREADS=1 so that each copy has one core)
        int replicas = Integer.getInteger("bench.replicas", 1);
        NativeBackend.Info backend = NativeBackend.configure();
        MnistDataset train = Mnist.train(dataDir);
        MnistDataset test = Mnist.test(dataDir);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("backend", backend.describe());
        results.put("openblasCoretype", String.valueOf(System.getenv("OPENBLAS_CORETYPE")));
        results.put("replicas", replicas);

        if (!engineOnly) {
            // what training jobs run (the channels-last step), then DL4J's own fit on the same network for comparison
            results.put("cnnTrainSecondsPerEpoch", cnnTrainingSecondsPerEpoch(train, trainIterations, true));
            results.put("cnnTrainDl4jFitSecondsPerEpoch", cnnTrainingSecondsPerEpoch(train, trainIterations, false));
        }

        Map<String, Double> cnnInference = new LinkedHashMap<>();
        try (CnnEngine cnn = CnnEngine.load(modelsDir.resolve("cnn/1/model.zip"), replicas)) {
            for (int batch : new int[] {1, 8, 32, 64, 128, 512}) {
                cnnInference.put(Integer.toString(batch), imagesPerSecond(cnn, test, batch, replicas));
            }
        }
        results.put("cnnInferenceImagesPerSecond", cnnInference);
        if (engineOnly) {
            print(results);
            return;
        }

        long started = System.nanoTime();
        LassoPipeline pipeline = LassoTrainer.fit(train, LassoParameters.reference(), () -> false);
        results.put("lassoFitSeconds", (System.nanoTime() - started) / 1e9);
        Map<String, Double> lassoInference = new LinkedHashMap<>();
        try (LinearEngine lasso = new LinearEngine(pipeline.fold())) {
            for (int batch : new int[] {1, 10_000}) {
                lassoInference.put(Integer.toString(batch), imagesPerSecond(lasso, test, batch, 1));
            }
        }
        results.put("lassoInferenceImagesPerSecond", lassoInference);

        print(results);
        Path out = Path.of("bench/results");
        Files.createDirectories(out);
        Path file = out.resolve("engine-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(file, JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(results));
        System.out.println("results written to " + file);
    }

    /** Seconds per 60k-image epoch of the seed CNN at batch 128, on the channels-last step or with DL4J's fit. */
    private static double cnnTrainingSecondsPerEpoch(MnistDataset train, int iterations, boolean channelsLast) {
        CnnParameters parameters = CnnParameters.reference();
        MultiLayerNetwork network = CnnArchitecture.build(parameters);
        int batch = parameters.batchSize();
        INDArray x = Nd4j.create(train.floats(0, batch * 4), new long[] {batch * 4, 784}, 'c');
        INDArray y = Nd4j.zeros(batch * 4, 10);
        for (int i = 0; i < batch * 4; i++) {
            y.putScalar(i, train.label(i), 1);
        }
        DataSet[] batches = new DataSet[4];
        for (int b = 0; b < 4; b++) {
            batches[b] = new DataSet(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(b * batch, (b + 1) * batch)).dup(),
                    y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(b * batch, (b + 1) * batch)).dup());
        }
        try (ChannelsLastTrainingStep step = channelsLast ? ChannelsLastTrainingStep.of(network).orElseThrow() : null) {
            for (int i = 0; i < 10; i++) {
                trainOn(network, step, batches[i % 4]);
            }
            long started = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                trainOn(network, step, batches[i % 4]);
            }
            double imagesPerSecond = iterations * batch / ((System.nanoTime() - started) / 1e9);
            return train.count() / imagesPerSecond;
        }
    }

    private static void trainOn(MultiLayerNetwork network, ChannelsLastTrainingStep step, DataSet batch) {
        if (step != null) {
            step.fit(batch.getFeatures(), batch.getLabels());
        } else {
            network.fit(batch);
        }
    }

    /** Median over rounds of the images/s that {@code callers} threads calling the engine at once reach. */
    private static double imagesPerSecond(InferenceEngine engine, MnistDataset test, int batch, int callers) {
        float[] pixels = test.floats(0, Math.min(batch, test.count()));
        int count = pixels.length / 784;
        // a second of calls first: the JIT compiles DL4J's Java side of a forward pass only after many calls,
        // and 3 calls left batch 1 (the first size measured) a third slower than a warmed run
        long warm = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warm) {
            engine.predict(pixels, count);
        }
        double[] rounds = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long started = System.nanoTime();
            long end = started + (long) (ROUND_SECONDS * 1e9);
            java.util.concurrent.atomic.AtomicLong images = new java.util.concurrent.atomic.AtomicLong();
            Thread[] threads = new Thread[callers];
            for (int t = 0; t < callers; t++) {
                threads[t] = new Thread(() -> {
                    while (System.nanoTime() < end) {
                        engine.predict(pixels, count);
                        images.addAndGet(count);
                    }
                });
                threads[t].start();
            }
            for (Thread thread : threads) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            rounds[r] = images.get() / ((System.nanoTime() - started) / 1e9);
        }
        Arrays.sort(rounds);
        return rounds[ROUNDS / 2];
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> results) {
        System.out.println();
        System.out.println(results.get("backend"));
        if (results.containsKey("cnnTrainSecondsPerEpoch")) {
            System.out.printf(Locale.ROOT, "%-40s %12.1f%n", "CNN training, s/epoch (60k images)",
                    results.get("cnnTrainSecondsPerEpoch"));
            System.out.printf(Locale.ROOT, "%-40s %12.1f%n", "  the same with DL4J's fit, s/epoch",
                    results.get("cnnTrainDl4jFitSecondsPerEpoch"));
        }
        ((Map<String, Double>) results.get("cnnInferenceImagesPerSecond")).forEach((batch, rate) ->
                System.out.printf(Locale.ROOT, "%-40s %12.0f%n", "CNN inference" + (((Integer) results.get("replicas")) > 1
                        ? " (" + results.get("replicas") + " replicas)" : "") + ", images/s, batch " + batch, rate));
        if (results.containsKey("lassoFitSeconds")) {
            System.out.printf(Locale.ROOT, "%-40s %12.2f%n", "Lasso fit, s (60k images)", results.get("lassoFitSeconds"));
            ((Map<String, Double>) results.get("lassoInferenceImagesPerSecond")).forEach((batch, rate) ->
                    System.out.printf(Locale.ROOT, "%-40s %12.0f%n", "Lasso inference, images/s, batch " + batch, rate));
        }
    }
}
