package dev.digitserve.protocol;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.stereotype.Service;

import dev.digitserve.inference.Images;
import dev.digitserve.model.LoadedVersion;
import dev.digitserve.model.ModelResolver;
import dev.digitserve.request.InputLimits;

/**
 * Runs a protocol inference request: resolves the model version once, checks the request against it, and
 * hands the images to that version's dynamic batcher through {@link ModelResolver} (the path the v1 API
 * takes too, so V2 requests are batched, bounded and measured exactly like v1 ones).
 *
 * <p>Everything the client must fix is thrown synchronously ({@code InvalidRequestException},
 * {@code UnknownModelException}); the returned future only fails with the batcher's refusals and
 * failures. It never blocks the caller.
 */
@Service
class InferenceService {
    private final ModelResolver resolver;
    private final int maxImages;

    InferenceService(ModelResolver resolver, InputLimits limits) {
        this.resolver = resolver;
        this.maxImages = limits.maxInstances();
    }

    /**
     * @param version null for the served version
     * @param timeout the client's deadline, or null for the configured request timeout
     */
    CompletableFuture<InferenceResponse> infer(String model, Integer version, InferenceRequest request,
                                               Duration timeout) {
        LoadedVersion target = resolver.resolve(model, version);
        Images images = InputTensor.read(request.inputs(), maxImages);
        List<String> outputs = ModelSignature.of(target).select(request.outputs(), model);
        return resolver.submit(target, version == null, images, timeout)
                .thenApply(answer -> new InferenceResponse(answer.version().name(),
                        Integer.toString(answer.version().version()), request.id(),
                        ModelSignature.of(answer.version()).answer(outputs, answer.outputs(), images.count())));
    }
}
