package dev.digitserve.prediction;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import dev.digitserve.image.ImageMediaTypes;
import dev.digitserve.inference.Images;
import dev.digitserve.model.ModelResolver;
import dev.digitserve.request.RequestTimeout;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * v1 embedding endpoints: {@code POST /api/v1/models/{name}[/versions/{version}]/embeddings}, with the same
 * inputs as predict ({@link PredictionInputs}: JSON instances, an image body, multipart {@code image} parts), one
 * handler per body type serving both paths. The images go through the version's dynamic batcher like
 * predictions and share their batches and forward passes; a model without an embedding (the Lasso model) is
 * 400 {@code invalid-request} saying so, before anything is queued. Handlers never wait for the batcher.
 */
@RestController
@RequestMapping("/api/v1/models")
@Tag(name = "Prediction", description = "Recognise handwritten digits")
class EmbeddingController {
    private static final String SERVED = "/{name}/embeddings";
    private static final String VERSIONED = "/{name}/versions/{version}/embeddings";

    private final ModelResolver resolver;
    private final PredictionInputs inputs;

    EmbeddingController(ModelResolver resolver, PredictionInputs inputs) {
        this.resolver = resolver;
        this.inputs = inputs;
    }

    @PostMapping(path = {SERVED, VERSIONED}, consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = PredictionDocs.EMBEDDINGS_SUMMARY, description = PredictionDocs.EMBEDDINGS,
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = PredictionDocs.InstancesRequest.class))))
    @PredictionDocs.ErrorResponses
    CompletableFuture<EmbeddingResponse> embedJson(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable(required = false) @Parameter(description = PredictionDocs.VERSION, example = "1") Integer version,
            @RequestHeader(name = RequestTimeout.HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            HttpServletRequest request) throws IOException {
        return embed(name, version, inputs.json(request.getInputStream()), RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = {SERVED, VERSIONED}, consumes = {ImageMediaTypes.PNG, ImageMediaTypes.JPEG,
            ImageMediaTypes.WEBP, ImageMediaTypes.GIF, ImageMediaTypes.BMP, ImageMediaTypes.TIFF},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = PredictionDocs.EMBEDDINGS_SUMMARY, description = PredictionDocs.EMBEDDINGS)
    @PredictionDocs.ErrorResponses
    CompletableFuture<EmbeddingResponse> embedImage(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable(required = false) @Parameter(description = PredictionDocs.VERSION, example = "1") Integer version,
            @RequestHeader(name = RequestTimeout.HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType,
            @RequestBody byte[] image) {
        return embed(name, version, inputs.image(image, contentType), RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = {SERVED, VERSIONED}, consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = PredictionDocs.EMBEDDINGS_SUMMARY, description = PredictionDocs.EMBEDDINGS)
    @PredictionDocs.ErrorResponses
    CompletableFuture<EmbeddingResponse> embedUpload(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable(required = false) @Parameter(description = PredictionDocs.VERSION, example = "1") Integer version,
            @RequestHeader(name = RequestTimeout.HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestPart("image") @Parameter(description = PredictionDocs.PARTS) List<MultipartFile> image) {
        return embed(name, version, inputs.uploads(image), RequestTimeout.parse(timeoutMs));
    }

    private CompletableFuture<EmbeddingResponse> embed(String name, Integer version, Images images, Duration timeout) {
        return resolver.submit(name, version, images, timeout, true)
                .thenApply(answer -> toResponse(answer, images.count()));
    }

    private static EmbeddingResponse toResponse(ModelResolver.Answer answer, int count) {
        float[] flat = answer.embeddings();
        int width = flat.length / count;
        float[][] rows = new float[count][];
        for (int i = 0; i < count; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return new EmbeddingResponse(answer.version().name(), answer.version().version(), rows);
    }
}
