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

import dev.digitserve.image.DigitImageReader;
import dev.digitserve.image.ImageTooLargeException;
import dev.digitserve.image.InvalidImageException;
import dev.digitserve.inference.Images;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InputLimits;
import dev.digitserve.request.InvalidRequestException;
import dev.digitserve.request.RequestTimeout;
import dev.digitserve.image.ImageMediaTypes;
import dev.digitserve.image.UnsupportedImageTypeException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.json.JsonMapper;

/**
 * v1 prediction endpoints: {@code POST /api/v1/models/{name}[/versions/{version}]/predict}, one handler per
 * body type, each serving both paths (no version: the served one). Handlers only decode and validate into
 * {@link Images}; the returned future is completed by the model version's batcher, so no servlet thread waits
 * while a request is queued.
 */
@RestController
@RequestMapping("/api/v1/models")
@Tag(name = "Prediction", description = "Recognise handwritten digits")
class PredictionController {
    private static final String SERVED = "/{name}/predict";
    private static final String VERSIONED = "/{name}/versions/{version}/predict";

    private final PredictionService predictions;
    private final InstancesParser instancesParser;
    private final DigitImageReader imageReader;
    private final int maxInstances;

    PredictionController(PredictionService predictions, InputLimits limits, JsonMapper json) {
        this.predictions = predictions;
        this.instancesParser = new InstancesParser(json, limits.maxInstances());
        this.imageReader = new DigitImageReader(limits.maxImagePixels());
        this.maxInstances = limits.maxInstances();
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
        return predictions.predict(name, version, instancesParser.parse(request.getInputStream()), RequestTimeout.parse(timeoutMs));
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
        return predictions.predict(name, version, Images.of(imageReader.toMnistInput(image, contentType)),
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
        return predictions.predict(name, version, uploads(image), RequestTimeout.parse(timeoutMs));
    }

    /** Every uploaded part through the image pipeline; a failure names the part by its index. */
    private Images uploads(List<MultipartFile> parts) {
        if (parts.size() > maxInstances) {
            throw new InvalidRequestException("too many images: at most " + maxInstances + " per request",
                    List.of(new FieldError("image", "more than " + maxInstances + " parts")));
        }
        float[] pixels = new float[parts.size() * Images.PIXELS];
        for (int i = 0; i < parts.size(); i++) {
            try {
                System.arraycopy(imageReader.toMnistInput(parts.get(i).getBytes(), parts.get(i).getContentType()), 0,
                        pixels, i * Images.PIXELS, Images.PIXELS);
            } catch (InvalidImageException | ImageTooLargeException | UnsupportedImageTypeException e) {
                throw new ImagePartException(i, e);
            } catch (IOException e) {
                throw new InvalidRequestException("image part " + i + " could not be read");
            }
        }
        return new Images(pixels, parts.size());
    }
}
