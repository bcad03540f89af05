package dev.digitserve.model;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.stereotype.Component;

import dev.digitserve.batching.BatchingException;
import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;

/**
 * The one prediction path of every API: turns the model name and optional version of a request into a
 * loaded version (once), or the client error that says why not, and submits the images to that version's
 * dynamic batcher. Names are checked against {@link ModelRepository#NAME} before anything else, so a
 * request can never steer a lookup outside the repository.
 *
 * <p>With lazy loading, resolving a version that is not in memory waits for its load (shared with every
 * concurrent request for it) for at most the request's timeout; a version evicted between resolving and
 * submitting is loaded again without blocking, so eviction fails no request.
 */
@Component
public class ModelResolver {
    /** Loads one request may go through when its version keeps being evicted before it is admitted. */
    private static final int MAX_RELOADS = 3;

    private final ModelRegistry registry;

    public ModelResolver(ModelRegistry registry) {
        this.registry = registry;
    }

    /** @param version null for the served version */
    public LoadedVersion resolve(String name, Integer version) {
        return resolve(name, version, null);
    }

    /**
     * @param version null for the served version
     * @param timeout how long a lazy load may keep the caller waiting; null for the request timeout
     * @throws UnknownModelException  no such model or version, or it cannot be loaded (with the reason)
     * @throws ModelTooLargeException it can never fit the memory budget
     * @throws BatchingException      (DEADLINE) the load did not finish within the timeout; it goes on
     */
    public LoadedVersion resolve(String name, Integer version, Duration timeout) {
        requireValidName(name);
        if (!registry.contains(name)) {
            throw new UnknownModelException("no model named '" + name + "'");
        }
        if (version != null) {
            requirePositive(version);
        }
        if (registry.lazy()) {
            return await(name, version, registry.acquire(name, version), timeout);
        }
        if (version == null) {
            return registry.served(name).orElseThrow(() ->
                    new UnknownModelException("model '" + name + "' has no loaded version to serve"));
        }
        return registry.version(name, version).orElseThrow(() -> new UnknownModelException(
                registry.whyNotLoaded(name, version)
                        .map(reason -> "version " + version + " of '" + name + "' " + reason)
                        .orElse("model '" + name + "' has no version " + version)));
    }

    private LoadedVersion await(String name, Integer version, CompletableFuture<LoadedVersion> load, Duration timeout) {
        LoadedVersion done = load.getNow(null);
        if (done != null) {
            return done;
        }
        Duration limit = timeout == null || timeout.compareTo(registry.requestTimeout()) > 0
                ? registry.requestTimeout() : timeout;
        try {
            return load.get(Math.max(0, limit.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new BatchingException(BatchingException.Reason.DEADLINE, (version == null ? "the served version"
                    : "version " + version) + " of '" + name + "' did not load within " + limit.toMillis()
                    + " ms; it goes on loading, retry shortly", 1);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BatchingException(BatchingException.Reason.SHUTDOWN, "interrupted while loading " + name, 1);
        }
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
        VersionState state = status.versions().stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> new UnknownModelException("model '" + name + "' has no version " + version))
                .state();
        // lazily, a version that has not failed answers its next request (loading first)
        return state == VersionState.LOADED || registry.lazy() && state != VersionState.FAILED;
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
        return submit(name, version, images, timeout, false);
    }

    /**
     * {@link #resolve} and {@link #submit(LoadedVersion, boolean, Images, Duration, boolean)} in one step: the
     * batcher gets what a lazy load left of the request's time.
     */
    public CompletableFuture<Answer> submit(String name, Integer version, Images images, Duration timeout,
                                            boolean embeddings) {
        long start = System.nanoTime();
        LoadedVersion target = resolve(name, version, timeout);
        return submit(target, version == null, images, timeLeft(timeout, System.nanoTime() - start), embeddings);
    }

    /**
     * What is left of a request's time ({@code timeout}, null for the configured request timeout) after
     * {@code spentNanos} went to resolving its version, which a lazy load makes long. Under a millisecond spent
     * changes nothing, so an eager service keeps a null timeout null.
     */
    public Duration timeLeft(Duration timeout, long spentNanos) {
        if (spentNanos < 1_000_000) {
            return timeout;
        }
        return (timeout == null ? registry.requestTimeout() : timeout).minusNanos(spentNanos);
    }

    /**
     * Hands the images to the batcher of a version the caller has resolved. When the request named no version
     * ({@code served}) and the version closed in the meantime (a hot swap), it is submitted once more to the
     * version now served, so swaps fail no request; a closed batcher refuses before computing, so nothing runs
     * twice. With lazy loading, a version evicted or unloaded since it was resolved is loaded again first (on the
     * loader, not on this thread). Never blocks; the future fails only with the batcher's
     * {@code BatchingException}, or with what a reload fails with.
     */
    public CompletableFuture<Answer> submit(LoadedVersion target, boolean served, Images images, Duration timeout) {
        return submit(target, served, images, timeout, false, 0);
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
        if (embeddings) {
            requireEmbedding(target);
        }
        return submit(target, served, images, timeout, embeddings, 0);
    }

    private CompletableFuture<Answer> submit(LoadedVersion target, boolean served, Images images, Duration timeout,
                                             boolean embeddings, int reloads) {
        if (!target.residency().tryAcquire()) {
            return reload(target, served, images, timeout, embeddings, reloads, null);
        }
        CompletableFuture<Answer> answer = run(target, images, timeout, embeddings);
        answer.whenComplete((result, error) -> target.residency().release());
        if (!served && !registry.lazy()) {
            return answer;
        }
        return answer.exceptionallyCompose(error -> {
            if (!target.batcher().isClosed()) {
                return CompletableFuture.failedFuture(error);
            }
            if (registry.lazy()) {
                return reload(target, served, images, timeout, embeddings, reloads, error);
            }
            LoadedVersion current = resolve(target.name(), null);
            if (current == target) {
                return CompletableFuture.failedFuture(error);
            }
            if (embeddings) {
                // the model's new served version may be of another kind; then the client learns why, as up front
                requireEmbedding(current);
            }
            return run(current, images, timeout, embeddings);
        });
    }

    /** Lazy loading: the version went out of memory before answering; load it (or the served one) again. */
    private CompletableFuture<Answer> reload(LoadedVersion target, boolean served, Images images, Duration timeout,
                                             boolean embeddings, int reloads, Throwable error) {
        if (reloads >= MAX_RELOADS) {
            return CompletableFuture.failedFuture(error != null ? error : new BatchingException(
                    BatchingException.Reason.SHUTDOWN, target.name() + " v" + target.version()
                    + " kept being unloaded before it could answer; retry", 1));
        }
        return registry.acquire(target.name(), served ? null : target.version())
                .thenCompose(again -> submit(again, served, images, timeout, embeddings, reloads + 1));
    }

    /** One batcher call: the class outputs, or the class outputs and embeddings of the same forward pass. */
    private static CompletableFuture<Answer> run(LoadedVersion target, Images images, Duration timeout,
                                                 boolean embeddings) {
        if (!embeddings) {
            return target.batcher().submit(images.pixels(), images.count(), timeout)
                    .thenApply(outputs -> new Answer(target, outputs, images.count()));
        }
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
