package dev.digitserve.prediction;

import java.io.IOException;
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

import dev.digitserve.request.RequestTimeout;
import dev.digitserve.image.ImageMediaTypes;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * v1 prediction endpoints: {@code POST /api/v1/models/{name}[/versions/{version}]/predict}, one handler per
 * body type, each serving both paths (no version: the served one). Handlers only decode and validate into
 * {@code Images} ({@link PredictionInputs}, shared with the embeddings endpoints); the returned future is
 * completed by the model version's batcher, so no servlet thread waits while a request is queued.
 */
@RestController
@RequestMapping("/api/v1/models")
@Tag(name = "Prediction", description = "Recognise handwritten digits")
class PredictionController {
    private static final String SERVED = "/{name}/predict";
    private static final String VERSIONED = "/{name}/versions/{version}/predict";

    private final PredictionService predictions;
    private final PredictionInputs inputs;

    PredictionController(PredictionService predictions, PredictionInputs inputs) {
        this.predictions = predictions;
        this.inputs = inputs;
    }

    @PostMapping(path = {SERVED, VERSIONED}, consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = PredictionDocs.SUMMARY, description = PredictionDocs.ALL,
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = PredictionDocs.InstancesRequest.class))))
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictJson(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable(required = false) @Parameter(description = PredictionDocs.VERSION, example = "1") Integer version,
            @RequestHeader(name = RequestTimeout.HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            HttpServletRequest request) throws IOException {
        return predictions.predict(name, version, inputs.json(request.getInputStream()), RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = {SERVED, VERSIONED}, consumes = {ImageMediaTypes.PNG, ImageMediaTypes.JPEG,
            ImageMediaTypes.WEBP, ImageMediaTypes.GIF, ImageMediaTypes.BMP, ImageMediaTypes.TIFF},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = PredictionDocs.SUMMARY, description = PredictionDocs.ALL)
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictImage(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable(required = false) @Parameter(description = PredictionDocs.VERSION, example = "1") Integer version,
            @RequestHeader(name = RequestTimeout.HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType,
            @RequestBody byte[] image) {
        return predictions.predict(name, version, inputs.image(image, contentType),
                RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = {SERVED, VERSIONED}, consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = PredictionDocs.SUMMARY, description = PredictionDocs.ALL)
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictUpload(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable(required = false) @Parameter(description = PredictionDocs.VERSION, example = "1") Integer version,
            @RequestHeader(name = RequestTimeout.HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestPart("image") @Parameter(description = PredictionDocs.PARTS) List<MultipartFile> image) {
        return predictions.predict(name, version, inputs.uploads(image), RequestTimeout.parse(timeoutMs));
    }
}
