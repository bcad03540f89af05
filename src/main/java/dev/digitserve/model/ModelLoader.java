package dev.digitserve.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.digitserve.inference.CnnEngine;
import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.inference.LassoPipeline;
import dev.digitserve.inference.LinearEngine;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a version directory into a warmed-up engine, or a {@link ModelLoadException} whose message says
 * what is wrong in terms an operator can act on (missing file, unreadable card, corrupt weights).
 */
final class ModelLoader {
    private static final int WARM_UP_BATCH = 8;

    private final ModelRepository repository;
    private final JsonMapper json;

    ModelLoader(ModelRepository repository, JsonMapper json) {
        this.repository = repository;
        this.json = json;
    }

    record Loaded(ModelCard card, ModelKind kind, InferenceEngine engine) {
    }

    /** @param replicas serving copies for a CNN (how many batches may run at once); other kinds ignore it */
    Loaded load(String name, int version, int replicas) {
        Path dir = repository.versionDirectory(name, version);
        ModelCard card = readCard(name, version, dir);
        ModelKind kind;
        try {
            kind = ModelKind.fromId(card.kind());
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("model.json: " + e.getMessage());
        }
        if (card.version() != version || !name.equals(card.name())) {
            throw new ModelLoadException("model.json describes " + card.name() + " version " + card.version()
                    + ", but it sits in " + name + "/" + version);
        }
        Path weights = dir.resolve(kind.weightsFile());
        if (!Files.isRegularFile(weights)) {
            throw new ModelLoadException("missing " + kind.weightsFile());
        }
        InferenceEngine engine = openEngine(kind, weights, replicas);
        if (engine.classes() != card.labelsOrDigits().size()) {
            int classes = engine.classes();
            engine.close();
            throw new ModelLoadException("the model has " + classes + " outputs but its card lists "
                    + card.labelsOrDigits().size() + " labels");
        }
        try {
            warmUp(engine);
        } catch (RuntimeException e) {
            engine.close();
            throw new ModelLoadException("warm-up inference failed", e);
        }
        return new Loaded(card, kind, engine);
    }

    private ModelCard readCard(String name, int version, Path dir) {
        if (!Files.isRegularFile(dir.resolve(ModelRepository.CARD_FILE))) {
            throw new ModelLoadException("missing " + ModelRepository.CARD_FILE);
        }
        try {
            return repository.readCard(name, version);
        } catch (IOException e) {
            throw new ModelLoadException("unreadable " + ModelRepository.CARD_FILE + " (not a valid model card)", e);
        }
    }

    private InferenceEngine openEngine(ModelKind kind, Path weights, int replicas) {
        try {
            return switch (kind) {
                case CNN -> CnnEngine.load(weights, replicas);
                case LASSO -> new LinearEngine(json.readValue(weights.toFile(), LassoPipeline.class).fold());
            };
        } catch (IOException | RuntimeException e) {
            // The cause (often with a path or a DL4J class name) goes to the log, not to API clients.
            throw new ModelLoadException("cannot load " + weights.getFileName() + ": "
                    + (kind == ModelKind.CNN ? "not a readable DL4J model file" : "not a valid Lasso pipeline"), e);
        }
    }

    private static void warmUp(InferenceEngine engine) {
        float[] outputs = engine.predict(new float[WARM_UP_BATCH * Images.PIXELS], WARM_UP_BATCH);
        if (outputs.length != WARM_UP_BATCH * engine.classes()) {
            throw new IllegalStateException("expected " + WARM_UP_BATCH * engine.classes()
                    + " outputs, got " + outputs.length);
        }
        for (float output : outputs) {
            if (Float.isNaN(output)) {
                throw new IllegalStateException("the model produces NaN");
            }
        }
    }

    /** A version that cannot be served; the message is safe to show to operators and API clients. */
    static final class ModelLoadException extends RuntimeException {
        ModelLoadException(String message) {
            super(message);
        }

        ModelLoadException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
