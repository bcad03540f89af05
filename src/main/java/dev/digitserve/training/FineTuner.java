package dev.digitserve.training;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.learning.config.Adam;

import dev.digitserve.data.MnistDataset;
import dev.digitserve.datasets.LabelledImages;
import dev.digitserve.model.ModelCard;

/**
 * Fine-tuning, in two pure steps: {@link #plan} decides the label set, the training data and the evaluation
 * sets; {@link #network} derives the network to train from the base with DL4J's transfer-learning API.
 *
 * <p>Labels: with MNIST included the digits "0".."9" keep indices 0-9 and the dataset's other labels follow in
 * dataset order; otherwise the dataset's labels in its order. Each dataset label is split, seeded, into 90%
 * training and 10% held out (at least one image held out once a label has two). With MNIST included, the
 * dataset's training images are repeated so that each of its labels has about as many training images as an
 * MNIST digit: a few dozen pictures of a new symbol would otherwise be drowned by thousands of digits and the
 * new class never predicted.
 */
public final class FineTuner {
    static final String HOLDOUT = "dataset-holdout";
    static final String MNIST_TEST = "mnist-test";
    private static final double HOLDOUT_FRACTION = 0.1;

    private FineTuner() {
    }

    /**
     * @param labels         the model's classes in output order
     * @param train          what to train on, labels as indices into {@code labels}
     * @param evaluations    held-out dataset images and (with MNIST) the MNIST test set, by name
     * @param datasetSamples distinct dataset images trained on (before repetition)
     * @param mnistSamples   MNIST training images trained on
     */
    public record Plan(List<String> labels, MnistDataset train, Map<String, MnistDataset> evaluations,
                       int datasetSamples, int mnistSamples) {

        /** Every evaluation set in one, the set the per-epoch accuracy and the card's metrics are measured on. */
        public MnistDataset evaluationSet() {
            return concat(new ArrayList<>(evaluations.values()));
        }
    }

    /**
     * @param mnistTrain the MNIST training images to add (already cut to size), or null
     * @param mnistTest  the MNIST test set to evaluate on when MNIST is added, or null
     */
    public static Plan plan(LabelledImages dataset, MnistDataset mnistTrain, MnistDataset mnistTest, long seed) {
        List<String> labels = new ArrayList<>();
        if (mnistTrain != null) {
            labels.addAll(ModelCard.DIGITS);
        }
        for (String label : dataset.labels()) {
            if (!labels.contains(label)) {
                labels.add(label);
            }
        }
        int[] remap = new int[dataset.labels().size()];
        for (int i = 0; i < remap.length; i++) {
            remap[i] = labels.indexOf(dataset.labels().get(i));
        }

        List<List<Integer>> byLabel = new ArrayList<>();
        for (int i = 0; i < remap.length; i++) {
            byLabel.add(new ArrayList<>());
        }
        for (int i = 0; i < dataset.count(); i++) {
            byLabel.get(dataset.labelIndices()[i] & 0xff).add(i);
        }
        Random random = new Random(seed);
        List<Integer> trainRows = new ArrayList<>();
        List<Integer> heldOutRows = new ArrayList<>();
        List<Integer> repeats = new ArrayList<>();
        double mnistPerClass = mnistTrain == null ? 0 : mnistTrain.count() / (double) ModelCard.DIGITS.size();
        for (List<Integer> rows : byLabel) {
            java.util.Collections.shuffle(rows, random);
            int heldOut = rows.size() < 2 ? 0 : (int) Math.max(1, Math.round(rows.size() * HOLDOUT_FRACTION));
            heldOutRows.addAll(rows.subList(0, heldOut));
            List<Integer> trainPart = rows.subList(heldOut, rows.size());
            int repeat = trainPart.isEmpty() ? 1 : (int) Math.max(1, Math.round(mnistPerClass / trainPart.size()));
            for (int row : trainPart) {
                trainRows.add(row);
                repeats.add(repeat);
            }
        }

        List<MnistDataset> trainParts = new ArrayList<>();
        if (mnistTrain != null) {
            trainParts.add(mnistTrain);
        }
        trainParts.add(select(dataset, remap, trainRows, repeats));
        Map<String, MnistDataset> evaluations = new LinkedHashMap<>();
        if (!heldOutRows.isEmpty()) {
            evaluations.put(HOLDOUT, select(dataset, remap, heldOutRows, null));
        }
        if (mnistTrain != null && mnistTest != null) {
            evaluations.put(MNIST_TEST, mnistTest);
        }
        if (evaluations.isEmpty()) {
            throw new IllegalArgumentException("the dataset is too small to hold out images for evaluation:"
                    + " give each label at least 2 images");
        }
        return new Plan(List.copyOf(labels), concat(trainParts), evaluations, trainRows.size(),
                mnistTrain == null ? 0 : mnistTrain.count());
    }

    /**
     * The network to train: the base's layers and weights, with a fresh output layer of {@code classes} units unless
     * the base already has exactly these labels, the convolution and pooling layers frozen for {@code features}, and
     * Adam with {@code learningRate} for whatever trains.
     */
    public static MultiLayerNetwork network(MultiLayerNetwork base, List<String> baseLabels, List<String> labels,
                                            String freeze, long seed, double learningRate) {
        FineTuneConfiguration fineTune = new FineTuneConfiguration.Builder()
                .updater(new Adam(learningRate))
                .seed(seed)
                .build();
        TransferLearning.Builder builder = new TransferLearning.Builder(base).fineTuneConfiguration(fineTune);
        int output = base.getnLayers() - 1;
        if (!baseLabels.equals(labels)) {
            builder.nOutReplace(output, labels.size(), WeightInit.XAVIER);
        }
        if ("features".equals(freeze)) {
            builder.setFeatureExtractor(lastFeatureLayer(base));
        }
        return builder.build();
    }

    /** The last convolution or pooling layer: everything up to it computes the image features. */
    static int lastFeatureLayer(MultiLayerNetwork network) {
        int last = -1;
        for (int i = 0; i < network.getnLayers(); i++) {
            Layer layer = network.getLayerWiseConfigurations().getConf(i).getLayer();
            if (layer instanceof ConvolutionLayer || layer instanceof SubsamplingLayer) {
                last = i;
            }
        }
        if (last < 0) {
            throw new IllegalArgumentException("the base model has no convolution layers to freeze");
        }
        return last;
    }

    private static MnistDataset select(LabelledImages dataset, int[] remap, List<Integer> rows, List<Integer> repeats) {
        int total = 0;
        for (int i = 0; i < rows.size(); i++) {
            total += repeats == null ? 1 : repeats.get(i);
        }
        byte[] pixels = new byte[total * MnistDataset.PIXELS];
        byte[] labels = new byte[total];
        int at = 0;
        for (int i = 0; i < rows.size(); i++) {
            int row = rows.get(i);
            for (int r = 0; r < (repeats == null ? 1 : repeats.get(i)); r++, at++) {
                System.arraycopy(dataset.pixels(), row * MnistDataset.PIXELS, pixels, at * MnistDataset.PIXELS,
                        MnistDataset.PIXELS);
                labels[at] = (byte) remap[dataset.labelIndices()[row] & 0xff];
            }
        }
        return new MnistDataset(total, pixels, labels);
    }

    static MnistDataset concat(List<MnistDataset> parts) {
        int total = parts.stream().mapToInt(MnistDataset::count).sum();
        byte[] pixels = new byte[total * MnistDataset.PIXELS];
        byte[] labels = new byte[total];
        int at = 0;
        for (MnistDataset part : parts) {
            System.arraycopy(part.pixels(), 0, pixels, at * MnistDataset.PIXELS, part.count() * MnistDataset.PIXELS);
            System.arraycopy(part.labels(), 0, labels, at, part.count());
            at += part.count();
        }
        return new MnistDataset(total, pixels, labels);
    }
}
