package dev.digitserve.training;

import java.time.Duration;
import java.util.Random;
import java.util.function.BooleanSupplier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.evaluation.Evaluation;
import dev.digitserve.evaluation.Evaluator;
import dev.digitserve.inference.CnnEngine;

/**
 * Trains the seed CNN with shuffled minibatches (seeded, so a run is repeatable up to native
 * floating-point nondeterminism), evaluating on the test set after every epoch. Progress is reported
 * every {@value #REPORT_EVERY} iterations and at each epoch's end; the cancellation signal is polled
 * before every iteration.
 */
public final class CnnTrainer {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CnnTrainer.class);
    static final int REPORT_EVERY = 20;

    private CnnTrainer() {
    }

    /** The trained network and its evaluation on the test set after the last epoch. */
    public record Result(MultiLayerNetwork network, Evaluation evaluation, Duration duration) {
    }

    public static Result train(MnistDataset train, MnistDataset test, CnnParameters parameters,
                               ProgressListener listener, BooleanSupplier cancelled) {
        return fit(CnnArchitecture.build(parameters), train.head(parameters.trainingSamples()), MnistDataset.CLASSES,
                test, parameters, listener, cancelled);
    }

    /**
     * Trains {@code network} on all of {@code data}, whose labels are indices below {@code classes} (the width of
     * the network's output layer), evaluating on {@code test} after every epoch. The fine-tuning path hands in a
     * network built by DL4J's transfer-learning API; the seed recipe a fresh one.
     */
    public static Result fit(MultiLayerNetwork network, MnistDataset data, int classes, MnistDataset test,
                             CnnParameters parameters, ProgressListener listener, BooleanSupplier cancelled) {
        return fit(network, data, classes, test, parameters, EpochSampler.shuffled(data.count()), listener, cancelled);
    }

    /**
     * As above, with the rows of each epoch chosen by {@code sampler} (for example {@link BalancedSampler}) instead
     * of every row once; an epoch is as many batches as the sampler's epoch has rows.
     */
    public static Result fit(MultiLayerNetwork network, MnistDataset data, int classes, MnistDataset test,
                             CnnParameters parameters, EpochSampler sampler, ProgressListener listener,
                             BooleanSupplier cancelled) {
        int rowsInData = data.count();
        int batchSize = parameters.batchSize();
        Random shuffler = new Random(parameters.seed());
        int[] order = sampler.nextEpoch(shuffler);
        int n = order.length;
        int batchesPerEpoch = (n + batchSize - 1) / batchSize;
        long totalIterations = (long) batchesPerEpoch * parameters.epochs();

        INDArray features = Nd4j.create(data.floats(0, rowsInData), new long[] {rowsInData, MnistDataset.PIXELS}, 'c');
        INDArray labels = oneHot(data, classes);
        Augmentation augmentation = parameters.augmentation();
        // its own stream, so that turning augmentation on does not change the order the batches come in
        Random distortions = new Random(parameters.seed() * 31 + 7);
        float[] batchPixels = augmentation.enabled() ? new float[batchSize * MnistDataset.PIXELS] : null;
        long augmentNanos = 0;

        // the same training as fit, a third faster where the network allows it (see ChannelsLastTrainingStep)
        ChannelsLastTrainingStep channelsLast = ChannelsLastTrainingStep.of(network).orElse(null);
        log.info("training a {}-parameter network {}", network.numParams(),
                channelsLast == null ? "with DL4J's fit" : "channels-last");
        long started = System.nanoTime();
        long iteration = 0;
        Evaluation evaluation = null;
        try {
            for (int epoch = 1; epoch <= parameters.epochs(); epoch++) {
                listener.onEpochStart(epoch, parameters.epochs());
                if (epoch > 1) {
                    order = sampler.nextEpoch(shuffler);
                    if (order.length != n) {
                        throw new IllegalStateException("the sampler changed the epoch's length from " + n + " to "
                                + order.length);
                    }
                }
                double epochLoss = 0;
                for (int b = 0; b < batchesPerEpoch; b++) {
                    if (cancelled.getAsBoolean()) {
                        throw new TrainingCancelledException();
                    }
                    int from = b * batchSize;
                    int to = Math.min(n, from + batchSize);
                    int[] rows = java.util.Arrays.copyOfRange(order, from, to);
                    if (augmentation.enabled()) {
                        long augmentStarted = System.nanoTime();
                        for (int r = 0; r < rows.length; r++) {
                            data.floatsInto(rows[r], batchPixels, r * MnistDataset.PIXELS);
                        }
                        augmentation.augment(batchPixels, rows.length, distortions);
                        augmentNanos += System.nanoTime() - augmentStarted;
                        float[] pixels = java.util.Arrays.copyOf(batchPixels, rows.length * MnistDataset.PIXELS);
                        try (INDArray x = Nd4j.create(pixels, new long[] {rows.length, MnistDataset.PIXELS}, 'c');
                             INDArray y = labels.getRows(rows)) {
                            epochLoss += step(network, channelsLast, x, y);
                        }
                    } else {
                        try (INDArray x = features.getRows(rows); INDArray y = labels.getRows(rows)) {
                            epochLoss += step(network, channelsLast, x, y);
                        }
                    }
                    iteration++;
                    if (iteration % REPORT_EVERY == 0 && b + 1 < batchesPerEpoch) {
                        listener.onProgress(progress(epoch, parameters, iteration, totalIterations, batchSize, n,
                                epochLoss / (b + 1), started, null));
                    }
                }
                if (augmentation.enabled()) {
                    // the cost of artificial data, visible in the log: the distortions alone, against the whole epoch
                    double seconds = augmentNanos / 1e9;
                    log.info(String.format(java.util.Locale.ROOT,
                            "epoch %d: augmentation %.1f s for %d images (%.0f images/s alone), %.0f%% of the epoch"
                                    + " so far",
                            epoch, seconds, (long) n * epoch, n * (double) epoch / Math.max(1e-9, seconds),
                            100.0 * augmentNanos / Math.max(1, System.nanoTime() - started)));
                }
                // DL4J counts epochs only in its own fit(iterator); an epoch-scheduled learning rate (Optimizer)
                // needs it
                network.incrementEpochCount();
                evaluation = Evaluator.evaluate(new CnnEngine(network), test);
                // the epoch's report carries the mean training loss over the epoch, as Keras prints it
                listener.onProgress(progress(epoch, parameters, iteration, totalIterations, batchSize, n,
                        epochLoss / batchesPerEpoch, started, evaluation.accuracy()));
            }
        } finally {
            if (channelsLast != null) {
                channelsLast.close();
            }
            features.close();
            labels.close();
        }
        return new Result(network, evaluation, Duration.ofNanos(System.nanoTime() - started));
    }

    /** One minibatch; returns the score (mean loss) DL4J's fit leaves in {@code network.score()}. */
    private static double step(MultiLayerNetwork network, ChannelsLastTrainingStep channelsLast, INDArray x,
                               INDArray y) {
        if (channelsLast != null) {
            return channelsLast.fit(x, y);
        }
        network.fit(new DataSet(x, y));
        return network.score();
    }

    private static TrainingProgress progress(int epoch, CnnParameters parameters, long iteration, long total,
                                             int batchSize, int n, double loss, long started, Double testAccuracy) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        long samplesSeen = Math.min(iteration * batchSize, (long) n * parameters.epochs());
        double seconds = Math.max(1e-9, elapsed.toNanos() / 1e9);
        double remaining = seconds * (total - iteration) / iteration;
        return new TrainingProgress(epoch, parameters.epochs(), iteration, samplesSeen, loss,
                samplesSeen / seconds, seconds, remaining, testAccuracy);
    }

    private static INDArray oneHot(MnistDataset data, int classes) {
        float[] oneHot = new float[data.count() * classes];
        for (int i = 0; i < data.count(); i++) {
            oneHot[i * classes + data.label(i)] = 1;
        }
        return Nd4j.create(oneHot, new long[] {data.count(), classes}, 'c');
    }
}
