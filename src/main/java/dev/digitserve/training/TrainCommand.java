package dev.digitserve.training;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import dev.digitserve.data.MnistFetcher;
import dev.digitserve.model.ModelRepository;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code java -jar digitserve.jar train --model=cnn|lasso [--name=..] [--epochs=12] [--batch-size=128]
 * [--samples=60000] [--seed=42] [--rho=0.95] [--epsilon=1e-7] [--alpha=0.1] [--max-iterations=2000]
 * [--tolerance=1e-4] [--variance-threshold=0.01] [--data-dir=data/mnist] [--models-dir=models]
 * [--fetch=true] [--augment-rotation=deg --augment-shift=px --augment-scale-min=f --augment-scale-max=f
 * --augment-elastic-alpha=px --augment-elastic-sigma=px] [--optimizer=adadelta|adam --learning-rate=0.001
 * --lr-decay=0.8]}: trains one model with the seed recipe unless told otherwise, evaluates it on the
 * test set and publishes it as the next version. It does not start the web server.
 */
public final class TrainCommand {
    private static final Logger log = LoggerFactory.getLogger(TrainCommand.class);

    private TrainCommand() {
    }

    public static void main(String[] args) throws Exception {
        // Outside Spring Boot nobody configures logback, whose default prints DL4J's DEBUG chatter.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        Map<String, String> options = parse(args);
        String model = options.getOrDefault("model", "cnn");
        String name = options.getOrDefault("name", model);
        Path dataDir = Path.of(options.getOrDefault("data-dir", "data/mnist"));
        if (Boolean.parseBoolean(options.getOrDefault("fetch", "true"))) {
            new MnistFetcher().ensure(dataDir);
        }
        JsonMapper json = JsonMapper.builder().build();
        ModelRepository repository = new ModelRepository(Path.of(options.getOrDefault("models-dir", "models")), json);
        ModelTraining training = new ModelTraining(repository, dataDir, json);
        ModelTraining.Published published = switch (model) {
            case "cnn" -> training.trainCnn(name, request(model, options).cnnParameters()
                    .withAugmentation(augmentation(options)).withOptimizer(optimizer(options)), TrainCommand::log, () -> false);
            case "lasso" -> training.trainLasso(name, request(model, options).lassoParameters(), TrainCommand::log, () -> false);
            default -> throw new IllegalArgumentException("--model must be cnn or lasso, not " + model);
        };
        log.info("published {} version {} to {}: {}", published.name(), published.version(),
                repository.versionDirectory(published.name(), published.version()), published.card().metrics());
    }

    /**
     * The options as a training-job request, so that the command line and the REST API fill omitted
     * parameters from the same seed recipe ({@link TrainingJobRequest#withDefaults()}).
     */
    static TrainingJobRequest request(String model, Map<String, String> options) {
        return new TrainingJobRequest(model, true,
                option(options, "epochs", Integer::valueOf), option(options, "batch-size", Integer::valueOf),
                option(options, "seed", Long::valueOf), option(options, "samples", Integer::valueOf),
                option(options, "rho", Double::valueOf), option(options, "epsilon", Double::valueOf),
                option(options, "alpha", Double::valueOf), option(options, "max-iterations", Integer::valueOf),
                option(options, "tolerance", Double::valueOf), option(options, "variance-threshold", Double::valueOf))
                .withDefaults();
    }

    /**
     * {@code --augment-rotation=10 --augment-shift=2 --augment-scale-min=0.9 --augment-scale-max=1.1
     * --augment-elastic-alpha=20 --augment-elastic-sigma=4}; none given: no augmentation.
     */
    static Augmentation augmentation(Map<String, String> options) {
        Double rotation = option(options, "augment-rotation", Double::valueOf);
        Double shift = option(options, "augment-shift", Double::valueOf);
        Double scaleMin = option(options, "augment-scale-min", Double::valueOf);
        Double scaleMax = option(options, "augment-scale-max", Double::valueOf);
        Double alpha = option(options, "augment-elastic-alpha", Double::valueOf);
        Double sigma = option(options, "augment-elastic-sigma", Double::valueOf);
        return new Augmentation(rotation == null ? 0 : rotation, shift == null ? 0 : shift,
                scaleMin == null ? 1 : scaleMin, scaleMax == null ? 1 : scaleMax, alpha == null ? 0 : alpha,
                sigma == null ? 0 : sigma);
    }

    /**
     * {@code --optimizer=adam --learning-rate=0.001 --lr-decay=0.8}; by default the reference Adadelta.
     */
    static Optimizer optimizer(Map<String, String> options) {
        String name = options.getOrDefault("optimizer", "adadelta");
        if ("adadelta".equals(name)) {
            return Optimizer.ADADELTA;
        }
        Double learningRate = option(options, "learning-rate", Double::valueOf);
        Double decay = option(options, "lr-decay", Double::valueOf);
        return new Optimizer(name, learningRate == null ? 1e-3 : learningRate, decay == null ? 1.0 : decay);
    }

    private static <T> T option(Map<String, String> options, String key, Function<String, T> parser) {
        String value = options.get(key);
        return value == null ? null : parser.apply(value);
    }

    private static void log(TrainingProgress p) {
        if (p.testAccuracy() != null) {
            log.info(String.format(Locale.ROOT,
                    "epoch %d/%d done: %stest accuracy %.4f, %.0f images/s, elapsed %ds, remaining %ds",
                    p.epoch(), p.epochs(), p.loss() == null ? "" : String.format(Locale.ROOT, "training loss %.4f, ", p.loss()),
                    p.testAccuracy(),
                    p.imagesPerSecond(), Math.round(p.elapsedSeconds()), Math.round(p.remainingSeconds())));
        } else {
            log.info(String.format(Locale.ROOT, "epoch %d/%d iteration %d: loss %.4f, %.0f images/s",
                    p.epoch(), p.epochs(), p.iteration(), p.loss(), p.imagesPerSecond()));
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("options look like --name=value, not " + arg);
            }
            int eq = arg.indexOf('=');
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return options;
    }
}
