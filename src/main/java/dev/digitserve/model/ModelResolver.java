package dev.digitserve.model;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.stereotype.Component;

import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;

/**
 * The one prediction path of every API: turns the model name and optional version of a request into a
 * loaded version (once), or the client error that says why not, and submits the images to that version's
 * dynamic batcher. Names are checked against {@link ModelRepository#NAME} before anything else, so a
 * request can never steer a lookup outside the repository.
 */
@Component
public class ModelResolver {
    private final ModelRegistry registry;

    public ModelResolver(ModelRegistry registry) {
        this.registry = registry;
    }

    /** @param version null for the served version */
    public LoadedVersion resolve(String name, Integer version) {
        requireValidName(name);
        if (!registry.contains(name)) {
            throw new UnknownModelException("no model named '" + name + "'");
        }
        if (version == null) {
            return registry.served(name).orElseThrow(() ->
                    new UnknownModelException("model '" + name + "' has no loaded version to serve"));
        }
        requirePositive(version);
        return registry.version(name, version).orElseThrow(() -> new UnknownModelException(
                registry.whyNotLoaded(name, version)
                        .map(reason -> "version " + version + " of '" + name + "' " + reason)
                        .orElse("model '" + name + "' has no version " + version)));
    }

    /**
     * Readiness as both protocol bindings report it: a model is ready when it has a version to serve, a version when
     * it is loaded. Not ready is an answer; an unknown model or version is an {@link UnknownModelException}.
     *
     * @param version null for the model as a whole
     */
    public boolean isReady(String name, Integer version) {
        requireValidName(name);
        ModelStatus status = registry.status(name)
                .orElseThrow(() -> new UnknownModelException("no model named '" + name + "'"));
        if (version == null) {
            return status.ready();
        }
        requirePositive(version);
        return status.versions().stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> new UnknownModelException("model '" + name + "' has no version " + version))
                .state() == VersionState.LOADED;
    }

    /**
     * The outputs of a prediction and the version that computed them: {@code images.count() * 10} floats, row i
     * for image i, whose meaning is {@link #classOutput()}; and, when the request asked for them, the embeddings
     * of the same forward pass ({@code count * version.engine().embeddingSize()} floats), otherwise null.
     */
    public record Answer(LoadedVersion version, float[] outputs, int count, float[] embeddings) {
        /** A prediction without embeddings. */
        public Answer(LoadedVersion version, float[] outputs, int count) {
            this(version, outputs, count, null);
        }

        public InferenceEngine.ClassOutput classOutput() {
            return version.classOutput();
        }
    }

    /** {@link #resolve} and {@link #submit(LoadedVersion, boolean, Images, Duration)} in one step. */
    public CompletableFuture<Answer> submit(String name, Integer version, Images images, Duration timeout) {
        return submit(resolve(name, version), version == null, images, timeout);
    }

    /**
     * Hands the images to the batcher of a version the caller has resolved. When the request named no version
     * ({@code served}) and the version closed in the meantime (a hot swap), it is submitted once more to the
     * version now served, so swaps fail no request; a closed batcher refuses before computing, so nothing runs
     * twice. Never blocks; the future fails only with the batcher's {@code BatchingException}.
     */
    public CompletableFuture<Answer> submit(LoadedVersion target, boolean served, Images images, Duration timeout) {
        CompletableFuture<Answer> answer = target.batcher().submit(images.pixels(), images.count(), timeout)
                .thenApply(outputs -> new Answer(target, outputs, images.count()));
        if (!served) {
            return answer;
        }
        return answer.exceptionallyCompose(error -> {
            if (!target.batcher().isClosed()) {
                return CompletableFuture.failedFuture(error);
            }
            LoadedVersion current = resolve(target.name(), null);
            if (current == target) {
                return CompletableFuture.failedFuture(error);
            }
            return current.batcher().submit(images.pixels(), images.count(), timeout)
                    .thenApply(outputs -> new Answer(current, outputs, images.count()));
        });
    }

    /**
     * As {@link #submit(LoadedVersion, boolean, Images, Duration)}, with the embeddings of the same forward pass
     * when {@code embeddings} is true (then {@link Answer#embeddings()} is set).
     *
     * @throws InvalidRequestException when embeddings are asked of a version that has none (the Lasso model),
     *                                 saying so
     */
    public CompletableFuture<Answer> submit(LoadedVersion target, boolean served, Images images, Duration timeout,
                                            boolean embeddings) {
        if (!embeddings) {
            return submit(target, served, images, timeout);
        }
        requireEmbedding(target);
        CompletableFuture<Answer> answer = withEmbeddings(target, images, timeout);
        if (!served) {
            return answer;
        }
        return answer.exceptionallyCompose(error -> {
            if (!target.batcher().isClosed()) {
                return CompletableFuture.failedFuture(error);
            }
            LoadedVersion current = resolve(target.name(), null);
            if (current == target) {
                return CompletableFuture.failedFuture(error);
            }
            // the model's new served version may be of another kind; then the client learns why, as up front
            requireEmbedding(current);
            return withEmbeddings(current, images, timeout);
        });
    }

    private static CompletableFuture<Answer> withEmbeddings(LoadedVersion target, Images images, Duration timeout) {
        return target.batcher().submitWithEmbeddings(images.pixels(), images.count(), timeout)
                .thenApply(outputs -> new Answer(target, outputs.classes(), images.count(), outputs.embeddings()));
    }

    /** The 400 for embeddings asked of a model without them, naming the model, its kind and what has them. */
    public static void requireEmbedding(LoadedVersion target) {
        if (target.engine().embeddingSize() == 0) {
            throw new InvalidRequestException("model '" + target.name() + "' version " + target.version() + " is a "
                    + target.kind().id() + " model and has no embedding: embeddings are the activations of the dense"
                    + " layer before a CNN's output layer, so only CNN models answer them",
                    List.of(new FieldError("name", "model without an embedding (kind " + target.kind().id() + ")")));
        }
    }

    private static void requirePositive(int version) {
        if (version < 1) {
            throw new InvalidRequestException("model versions are positive integers",
                    List.of(new FieldError("version", "must be >= 1")));
        }
    }

    public static void requireValidName(String name) {
        if (name == null || !ModelRepository.NAME.matcher(name).matches()) {
            throw new InvalidRequestException("invalid model name: use 1 to 64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit",
                    List.of(new FieldError("name", "must match [a-z0-9][a-z0-9_-]{0,63}")));
        }
    }
}
