package dev.digitserve.protocol;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.stereotype.Service;

import dev.digitserve.inference.Images;
import dev.digitserve.model.LoadedVersion;
import dev.digitserve.model.ModelResolver;
import dev.digitserve.request.InputLimits;

/**
 * Runs a protocol inference request, for every binding (REST JSON, REST binary tensor data, gRPC): resolves the
 * model version once, checks the request against it, and hands the images to that version's dynamic batcher
 * through {@link ModelResolver} (the path the v1 API takes too, so V2 requests are batched, bounded and measured
 * exactly like v1 ones).
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

    /** Most images one request may carry ({@code digitserve.prediction.max-instances}). */
    int maxImages() {
        return maxImages;
    }

    /**
     * @param version null for the served version
     * @param timeout the client's deadline, or null for the configured request timeout
     */
    CompletableFuture<InferenceResponse> infer(String model, Integer version, InferenceRequest request,
                                               Duration timeout) {
        return infer(model, version, request, null, timeout);
    }

    /**
     * As {@link #infer(String, Integer, InferenceRequest, Duration)}, with the binary part of each input
     * ({@link BinaryTensorData#split}), or null when the request has none.
     */
    CompletableFuture<InferenceResponse> infer(String model, Integer version, InferenceRequest request,
                                               List<ByteBuffer> binary, Duration timeout) {
        long start = System.nanoTime();
        LoadedVersion target = resolver.resolve(model, version, timeout);
        Duration left = resolver.timeLeft(timeout, System.nanoTime() - start);
        Images images = InputTensor.read(request.inputs(), binary, maxImages);
        List<String> outputs = ModelSignature.of(target).select(request.outputs(), model);
        return run(target, version == null, images, outputs, request.id(), left);
    }

    /**
     * Submits images that a binding has already read and checked against {@code target}.
     *
     * @param served  whether the request named no version (it may then be retried on the next served version)
     * @param outputs output names as {@link ModelSignature#select} returned them
     */
    CompletableFuture<InferenceResponse> run(LoadedVersion target, boolean served, Images images, List<String> outputs,
                                             String id, Duration timeout) {
        // the embedding comes from the same forward pass, but only batches holding a request that names it pay for it
        return resolver.submit(target, served, images, timeout, ModelSignature.needsEmbedding(outputs))
                .thenApply(answer -> new InferenceResponse(answer.version().name(),
                        Integer.toString(answer.version().version()), id,
                        ModelSignature.of(answer.version()).answer(outputs, answer.outputs(), answer.embeddings(),
                                images.count())));
    }
}
