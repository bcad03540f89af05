package dev.digitserve.training;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.datasets.LabelledImages;
import dev.digitserve.evaluation.Evaluation;
import dev.digitserve.evaluation.Evaluator;
import dev.digitserve.inference.CnnEngine;
import dev.digitserve.inference.LassoPipeline;
import dev.digitserve.inference.LinearEngine;
import dev.digitserve.model.LibraryVersions;
import dev.digitserve.model.ModelCard;
import dev.digitserve.model.ModelKind;
import dev.digitserve.model.ModelRepository;
import tools.jackson.databind.json.JsonMapper;

/**
 * One complete training run: read MNIST, train, evaluate on the test set, and publish the new version
 * with its model card into the repository. Shared by the command line and the training-job service.
 */
public final class ModelTraining {
    private final ModelRepository repository;
    private final Path dataDir;
    private final JsonMapper json;

    public ModelTraining(ModelRepository repository, Path dataDir, JsonMapper json) {
        this.repository = repository;
        this.dataDir = dataDir;
        this.json = json;
    }

    /** The published version and its card. */
    public record Published(String name, int version, ModelCard card) {
    }

    public Published trainCnn(String name, CnnParameters parameters, ProgressListener listener,
                              BooleanSupplier cancelled) throws IOException {
        MnistDataset train = Mnist.train(dataDir);
        MnistDataset test = Mnist.test(dataDir);
        CnnTrainer.Result result = CnnTrainer.train(train, test, parameters, listener, cancelled);
        int samples = Math.min(parameters.trainingSamples(), train.count());
        ModelCard.Training training = new ModelCard.Training(samples, parameters.epochs(), parameters.batchSize(),
                parameters.seed(), parameters.optimizer().describe(parameters.rho(), parameters.epsilon()),
                seconds(result.duration()), json.convertValue(parameters, Map.class));
        return publish(name, ModelKind.CNN, training, result.evaluation(), cancelled, directory ->
                ModelSerializer.writeModel(result.network(), directory.resolve(ModelKind.CNN.weightsFile()).toFile(), false));
    }

    public Published trainLasso(String name, LassoParameters parameters, ProgressListener listener,
                                BooleanSupplier cancelled) throws IOException {
        MnistDataset train = Mnist.train(dataDir).head(parameters.trainingSamples());
        MnistDataset test = Mnist.test(dataDir);
        long started = System.nanoTime();
        LassoPipeline pipeline = LassoTrainer.fit(train, parameters, cancelled);
        Duration duration = Duration.ofNanos(System.nanoTime() - started);
        Evaluation evaluation;
        try (LinearEngine engine = new LinearEngine(pipeline.fold())) {
            evaluation = Evaluator.evaluate(engine, test);
        }
        listener.onProgress(new TrainingProgress(1, 1, 1, train.count(), null,
                train.count() / Math.max(1e-9, seconds(duration)), seconds(duration), 0, evaluation.accuracy()));
        ModelCard.Training training = new ModelCard.Training(train.count(), null, null, null,
                "coordinate descent", seconds(duration), json.convertValue(parameters, Map.class));
        return publish(name, ModelKind.LASSO, training, evaluation, cancelled, directory ->
                json.writerWithDefaultPrettyPrinter().writeValue(
                        directory.resolve(ModelKind.LASSO.weightsFile()).toFile(), pipeline));
    }

    /**
     * The card of the version a fine-tuning job would start from.
     *
     * @throws IllegalArgumentException when there is no such version or it is not a CNN
     */
    public ModelCard baseCard(String model, int version) {
        ModelCard card;
        try {
            card = repository.readCard(model, version);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("model " + model + " has no readable version " + version);
        }
        if (!ModelKind.CNN.id().equals(card.kind())) {
            throw new IllegalArgumentException("model " + model + " version " + version + " is a " + card.kind()
                    + " model; fine-tuning starts from a CNN");
        }
        return card;
    }

    /**
     * Fine-tunes {@code base} on a dataset (plus the first {@code trainingSamples} MNIST training digits with
     * {@code include: mnist}) with DL4J's transfer-learning API ({@link FineTuner}), evaluates it on the dataset's
     * held-out images (and the MNIST test set), and publishes it under {@code name} with its labels, origin and the
     * recipe's choices (learning rate, sampling, augmentation).
     */
    public Published fineTune(String name, TrainingJobRequest request, LabelledImages dataset,
                              ProgressListener listener, BooleanSupplier cancelled) throws IOException {
        TrainingJobRequest.Base base = request.base();
        ModelCard baseCard = baseCard(base.model(), base.version());
        MultiLayerNetwork baseNetwork = CnnEngine.load(repository.versionDirectory(base.model(), base.version())
                .resolve(ModelKind.CNN.weightsFile())).network();
        boolean withMnist = "mnist".equals(request.include());
        CnnParameters parameters = FineTuner.parameters(request.cnnParameters());
        FineTuner.Plan plan = FineTuner.plan(dataset,
                withMnist ? Mnist.train(dataDir).head(parameters.trainingSamples()) : null,
                withMnist ? Mnist.test(dataDir) : null, parameters.seed());
        double learningRate = FineTuner.learningRate(request.freeze());
        MultiLayerNetwork network = FineTuner.network(baseNetwork, baseCard.labelsOrDigits(), plan.labels(),
                request.freeze(), parameters.seed(), learningRate);
        CnnTrainer.Result result = CnnTrainer.fit(network, plan.train(), plan.labels().size(), plan.evaluationSet(),
                parameters, plan.sampler(), listener, cancelled);
        CnnEngine engine = new CnnEngine(result.network());
        Map<String, Evaluation> evaluations = new LinkedHashMap<>();
        plan.evaluations().forEach((set, data) -> evaluations.put(set, Evaluator.evaluate(engine, data)));

        ModelCard.Training training = new ModelCard.Training(plan.train().count(), parameters.epochs(),
                parameters.batchSize(), parameters.seed(), "Adam(learningRate=" + learningRate + ") on "
                + ("features".equals(request.freeze()) ? "the layers after the frozen features" : "every layer"),
                seconds(result.duration()), json.convertValue(request, Map.class));
        ModelCard.FineTuning origin = new ModelCard.FineTuning(base.model(), base.version(), dataset.manifest().id(),
                dataset.manifest().sha256(), request.freeze(), request.include(), plan.datasetSamples(),
                plan.mnistSamples(), FineTuner.recipe(plan, request.freeze(), parameters.augmentation()));
        Map<String, String> digests = new LinkedHashMap<>();
        dataset.manifest().sha256().forEach((file, sha) -> digests.put("datasets/" + dataset.manifest().id() + "/" + file, sha));
        if (withMnist) {
            digests.putAll(Mnist.digests(dataDir));
        }
        return publish(name, cancelled, directory -> ModelSerializer.writeModel(result.network(),
                        directory.resolve(ModelKind.CNN.weightsFile()).toFile(), false),
                v -> new ModelCard(name, v, ModelKind.CNN.id(), Instant.now(), ModelCard.Input.mnist(), training, digests,
                        LibraryVersions.current(), result.evaluation(), plan.labels(), origin, evaluations));
    }

    private interface WeightsWriter {
        void write(Path directory) throws IOException;
    }

    private Published publish(String name, ModelKind kind, ModelCard.Training training, Evaluation evaluation,
                              BooleanSupplier cancelled, WeightsWriter weights) throws IOException {
        Map<String, String> digests = new LinkedHashMap<>(Mnist.digests(dataDir));
        return publish(name, cancelled, weights, v -> new ModelCard(name, v, kind.id(), Instant.now(),
                ModelCard.Input.mnist(), training, digests, LibraryVersions.current(), evaluation));
    }

    private Published publish(String name, BooleanSupplier cancelled, WeightsWriter weights,
                              java.util.function.IntFunction<ModelCard> cardOf) throws IOException {
        if (cancelled.getAsBoolean()) {
            throw new TrainingCancelledException();
        }
        ModelCard[] card = new ModelCard[1];
        int version = repository.publish(name, (directory, v) -> {
            weights.write(directory);
            card[0] = cardOf.apply(v);
            repository.writeCard(directory, card[0]);
        });
        return new Published(name, version, card[0]);
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
