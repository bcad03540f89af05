package dev.digitserve.model;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.stereotype.Component;

import dev.digitserve.web.FieldError;
import dev.digitserve.web.InvalidRequestException;

/**
 * Turns the model name and optional version of a request into a loaded version, or the client error
 * that says why not. Names are checked against {@link ModelRepository#NAME} before anything else, so a
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
        if (version < 1) {
            throw new InvalidRequestException("model versions are positive integers",
                    List.of(new FieldError("version", "must be >= 1")));
        }
        return registry.version(name, version).orElseThrow(() -> new UnknownModelException(
                registry.whyNotLoaded(name, version)
                        .map(reason -> "version " + version + " of '" + name + "' " + reason)
                        .orElse("model '" + name + "' has no version " + version)));
    }

    /** The outputs of a prediction and the version that computed them. */
    public record Answer(LoadedVersion version, float[] outputs) {
    }

    /**
     * Resolves and submits in one step. A request that names no version and lands on a version that
     * closed in the meantime (a hot swap) is submitted once more to the version now served, so swaps
     * fail no request; a closed predictor refuses before computing, so nothing runs twice.
     */
    public CompletableFuture<Answer> submit(String name, Integer version, float[] pixels, int count, Duration timeout) {
        LoadedVersion target = resolve(name, version);
        CompletableFuture<Answer> answer = target.predictor().submit(pixels, count, timeout)
                .thenApply(outputs -> new Answer(target, outputs));
        if (version != null) {
            return answer;
        }
        return answer.exceptionallyCompose(error -> {
            if (!target.predictor().isClosed()) {
                return CompletableFuture.failedFuture(error);
            }
            LoadedVersion current = resolve(name, null);
            if (current == target) {
                return CompletableFuture.failedFuture(error);
            }
            return current.predictor().submit(pixels, count, timeout).thenApply(outputs -> new Answer(current, outputs));
        });
    }

    public static void requireValidName(String name) {
        if (name == null || !ModelRepository.NAME.matcher(name).matches()) {
            throw new InvalidRequestException("invalid model name: use 1 to 64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit",
                    List.of(new FieldError("name", "must match [a-z0-9][a-z0-9_-]{0,63}")));
        }
    }
}
