package dev.digitserve.training;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.deeplearning4j.util.ModelSerializer;

import dev.digitserve.data.Mnist;
import dev.digitserve.data.MnistDataset;
import dev.digitserve.evaluation.Evaluation;
import dev.digitserve.evaluation.Evaluator;
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
                parameters.seed(), "Adadelta(rho=" + parameters.rho() + ", epsilon=" + parameters.epsilon() + ")",
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

    private interface WeightsWriter {
        void write(Path directory) throws IOException;
    }

    private Published publish(String name, ModelKind kind, ModelCard.Training training, Evaluation evaluation,
                              BooleanSupplier cancelled, WeightsWriter weights) throws IOException {
        if (cancelled.getAsBoolean()) {
            throw new TrainingCancelledException();
        }
        Map<String, String> digests = new LinkedHashMap<>(Mnist.digests(dataDir));
        ModelCard[] card = new ModelCard[1];
        int version = repository.publish(name, (directory, v) -> {
            weights.write(directory);
            card[0] = new ModelCard(name, v, kind.id(), Instant.now(), ModelCard.Input.mnist(), training,
                    digests, LibraryVersions.current(), evaluation);
            repository.writeCard(directory, card[0]);
        });
        return new Published(name, version, card[0]);
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
