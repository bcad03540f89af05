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
 * training and 10% held out (at least one image held out once a label has two).
 *
 * <p>The recipe, made for a few dozen images per class (measured by {@code bench/transfer.sh}, see the README):
 * <ul>
 * <li>class-balanced epochs ({@link BalancedSampler}) when the classes are very unequal, as when a few dozen
 * pictures of a new symbol join thousands of MNIST digits: each class then weighs the same per epoch instead of
 * the new one being drowned and never predicted;</li>
 * <li>at least {@value #MIN_EPOCH_DRAWS} draws per epoch, so a small dataset alone still gets enough passes;</li>
 * <li>every draw distorted afresh ({@link #AUGMENTATION}, seeded by the job's seed), so the repeats of a rare image
 * are not the same picture over and over;</li>
 * <li>Adam at {@value #FEATURES_LEARNING_RATE} when the features are frozen (only the dense layers learn) and a lower
 * {@value #ALL_LEARNING_RATE} when everything trains, so the base's convolution filters are adjusted rather than
 * overwritten by gradients from a handful of images.</li>
 * </ul>
 * {@link #recipe} describes this for the model card.
 */
public final class FineTuner {
    static final String HOLDOUT = "dataset-holdout";
    static final String MNIST_TEST = "mnist-test";
    private static final double HOLDOUT_FRACTION = 0.1;
    /** Fewest draws in an epoch: a dataset of 60 images would otherwise be one batch per epoch. */
    static final int MIN_EPOCH_DRAWS = 2048;
    /** Adam's learning rate for the layers after frozen features. */
    static final double FEATURES_LEARNING_RATE = 1e-3;
    /** Adam's learning rate when every layer trains: lower, so the base's filters are not overwritten. */
    static final double ALL_LEARNING_RATE = 3e-4;
    /**
     * The distortions every fine-tuning draw gets: small rotations, shifts and scalings, and a mild elastic
     * warp. Kept small enough that a digit or symbol stays what it is (a 6 is not rotated into a 9).
     */
    public static final Augmentation AUGMENTATION = new Augmentation(10, 2, 0.9, 1.1, 10, 4);

    private FineTuner() {
    }

    /**
     * @param labels         the model's classes in output order
     * @param train          what to train on (each image once), labels as indices into {@code labels}
     * @param evaluations    held-out dataset images and (with MNIST) the MNIST test set, by name
     * @param datasetSamples dataset images trained on
     * @param mnistSamples   MNIST training images trained on
     * @param balanced       whether epochs are class-balanced ({@link BalancedSampler}) rather than every image once
     * @param epochDraws     images drawn per epoch
     */
    public record Plan(List<String> labels, MnistDataset train, Map<String, MnistDataset> evaluations,
                       int datasetSamples, int mnistSamples, boolean balanced, int epochDraws) {

        /** A fresh sampler for one run over {@link #train}. */
        public EpochSampler sampler() {
            return balanced ? new BalancedSampler(train.labels(), labels.size(), epochDraws)
                    : EpochSampler.shuffled(train.count());
        }

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
        for (List<Integer> rows : byLabel) {
            java.util.Collections.shuffle(rows, random);
            int heldOut = rows.size() < 2 ? 0 : (int) Math.max(1, Math.round(rows.size() * HOLDOUT_FRACTION));
            heldOutRows.addAll(rows.subList(0, heldOut));
            trainRows.addAll(rows.subList(heldOut, rows.size()));
        }

        List<MnistDataset> trainParts = new ArrayList<>();
        if (mnistTrain != null) {
            trainParts.add(mnistTrain);
        }
        trainParts.add(select(dataset, remap, trainRows));
        MnistDataset train = concat(trainParts);
        Map<String, MnistDataset> evaluations = new LinkedHashMap<>();
        if (!heldOutRows.isEmpty()) {
            evaluations.put(HOLDOUT, select(dataset, remap, heldOutRows));
        }
        if (mnistTrain != null && mnistTest != null) {
            evaluations.put(MNIST_TEST, mnistTest);
        }
        if (evaluations.isEmpty()) {
            throw new IllegalArgumentException("the dataset is too small to hold out images for evaluation:"
                    + " give each label at least 2 images");
        }
        if (train.count() == 0) {
            throw new IllegalArgumentException("the dataset leaves no images to train on");
        }
        // an epoch costs what one pass over the data does, but never less than MIN_EPOCH_DRAWS
        int epochDraws = Math.max(train.count(), MIN_EPOCH_DRAWS);
        boolean balanced = epochDraws > train.count() || BalancedSampler.needed(train.labels(), labels.size());
        return new Plan(List.copyOf(labels), train, evaluations, trainRows.size(),
                mnistTrain == null ? 0 : mnistTrain.count(), balanced, epochDraws);
    }

    /** Adam's learning rate for a freeze mode ({@code features} or {@code none}). */
    public static double learningRate(String freeze) {
        return "features".equals(freeze) ? FEATURES_LEARNING_RATE : ALL_LEARNING_RATE;
    }

    /**
     * The training parameters of a fine-tuning run: the job's, with the recipe's augmentation unless the job asked
     * for its own ({@code augment}), which then wins.
     */
    public static CnnParameters parameters(CnnParameters job) {
        return job.augmentation().enabled() ? job : job.withAugmentation(AUGMENTATION);
    }

    /** The recipe's choices for {@code plan} with the recipe's augmentation, as the model card records them. */
    public static Map<String, Object> recipe(Plan plan, String freeze) {
        return recipe(plan, freeze, AUGMENTATION);
    }

    /** The recipe's choices for {@code plan}, with the augmentation the run used. */
    public static Map<String, Object> recipe(Plan plan, String freeze, Augmentation used) {
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("updater", "Adam");
        recipe.put("learningRate", learningRate(freeze));
        recipe.put("sampling", plan.balanced() ? "class-balanced" : "shuffled");
        recipe.put("epochDraws", plan.epochDraws());
        Map<String, Object> augmentation = new LinkedHashMap<>();
        augmentation.put("rotationDegrees", used.rotationDegrees());
        augmentation.put("shiftPixels", used.shiftPixels());
        augmentation.put("scaleMin", used.scaleMin());
        augmentation.put("scaleMax", used.scaleMax());
        augmentation.put("elasticAlpha", used.elasticAlpha());
        augmentation.put("elasticSigma", used.elasticSigma());
        recipe.put("augmentation", augmentation);
        return recipe;
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

    private static MnistDataset select(LabelledImages dataset, int[] remap, List<Integer> rows) {
        byte[] pixels = new byte[rows.size() * MnistDataset.PIXELS];
        byte[] labels = new byte[rows.size()];
        for (int at = 0; at < rows.size(); at++) {
            int row = rows.get(at);
            System.arraycopy(dataset.pixels(), row * MnistDataset.PIXELS, pixels, at * MnistDataset.PIXELS,
                    MnistDataset.PIXELS);
            labels[at] = (byte) remap[dataset.labelIndices()[row] & 0xff];
        }
        return new MnistDataset(rows.size(), pixels, labels);
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
