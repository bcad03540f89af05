package dev.digitserve.prediction;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.digitserve.image.ImageMediaTypes;
import dev.digitserve.image.UnsupportedImageTypeException;
import dev.digitserve.web.FieldError;
import dev.digitserve.web.InvalidRequestException;
import dev.digitserve.web.RequestTimeout;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * v1 prediction endpoints. Handlers only decode and validate; the returned future is completed by the
 * model version's predictor, so no servlet thread waits while a request is queued.
 */
@RestController
@RequestMapping("/api/v1/models")
@Tag(name = "Prediction", description = "Recognise handwritten digits")
class PredictionController {
    static final String TIMEOUT_HEADER = RequestTimeout.HEADER;

    private final PredictionService predictions;
    private final InstancesParser instancesParser;
    private final DigitImageReader imageReader;
    private final int maxInstances;

    PredictionController(PredictionService predictions, PredictionProperties properties,
                         tools.jackson.databind.json.JsonMapper json) {
        this.predictions = predictions;
        this.instancesParser = new InstancesParser(json, properties.maxInstances());
        this.imageReader = new DigitImageReader(new ImageDecoder(properties.maxImagePixels()), new MnistPreprocessor());
        this.maxInstances = properties.maxInstances();
    }

    @PostMapping(path = "/{name}/predict", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Predict digits from pixel arrays (served version)", description = PredictionDocs.ALL,
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = PredictionDocs.InstancesRequest.class))))
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictJson(
            @PathVariable @Parameter(example = "cnn") String name,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            HttpServletRequest request) throws IOException {
        return predictions.predict(name, null, instancesParser.parse(request.getInputStream()), RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = "/{name}/versions/{version}/predict", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Predict digits from pixel arrays (given version)", description = PredictionDocs.ALL,
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = PredictionDocs.InstancesRequest.class))))
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictJsonVersion(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable @Parameter(example = "1") int version,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            HttpServletRequest request) throws IOException {
        return predictions.predict(name, version, instancesParser.parse(request.getInputStream()), RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = "/{name}/predict", consumes = {ImageMediaTypes.PNG, ImageMediaTypes.JPEG,
            ImageMediaTypes.WEBP, ImageMediaTypes.GIF, ImageMediaTypes.BMP, ImageMediaTypes.TIFF},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Predict the digit in an image (served version)", description = PredictionDocs.ALL)
    @PredictionDocs.ImageBody
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictImage(
            @PathVariable @Parameter(example = "cnn") String name,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType,
            @RequestBody byte[] image) {
        return predictions.predict(name, null, new Instances(imageReader.toMnistInput(image, contentType), 1),
                RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = "/{name}/versions/{version}/predict", consumes = {ImageMediaTypes.PNG, ImageMediaTypes.JPEG,
            ImageMediaTypes.WEBP, ImageMediaTypes.GIF, ImageMediaTypes.BMP, ImageMediaTypes.TIFF},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Predict the digit in an image (given version)", description = PredictionDocs.ALL)
    @PredictionDocs.ImageBody
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictImageVersion(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable @Parameter(example = "1") int version,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType,
            @RequestBody byte[] image) {
        return predictions.predict(name, version, new Instances(imageReader.toMnistInput(image, contentType), 1),
                RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = "/{name}/predict", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Predict the digits in uploaded images (served version)", description = PredictionDocs.ALL)
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictUpload(
            @PathVariable @Parameter(example = "cnn") String name,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestPart("image") @Parameter(description = PredictionDocs.PARTS) List<MultipartFile> image) {
        return predictions.predict(name, null, uploads(image), RequestTimeout.parse(timeoutMs));
    }

    @PostMapping(path = "/{name}/versions/{version}/predict", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Predict the digits in uploaded images (given version)", description = PredictionDocs.ALL)
    @PredictionDocs.ErrorResponses
    CompletableFuture<PredictionResponse> predictUploadVersion(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable @Parameter(example = "1") int version,
            @RequestHeader(name = TIMEOUT_HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestPart("image") @Parameter(description = PredictionDocs.PARTS) List<MultipartFile> image) {
        return predictions.predict(name, version, uploads(image), RequestTimeout.parse(timeoutMs));
    }

    /** Every uploaded part through the image pipeline; a failure names the part by its index. */
    private Instances uploads(List<MultipartFile> parts) {
        if (parts.size() > maxInstances) {
            throw new InvalidRequestException("too many images: at most " + maxInstances + " per request",
                    List.of(new FieldError("image", "more than " + maxInstances + " parts")));
        }
        float[] pixels = new float[parts.size() * MnistPreprocessor.PIXELS];
        for (int i = 0; i < parts.size(); i++) {
            try {
                System.arraycopy(imageReader.toMnistInput(parts.get(i).getBytes(), parts.get(i).getContentType()), 0,
                        pixels, i * MnistPreprocessor.PIXELS, MnistPreprocessor.PIXELS);
            } catch (InvalidImageException | ImageTooLargeException | UnsupportedImageTypeException e) {
                throw new ImagePartException(i, e);
            } catch (IOException e) {
                throw new InvalidRequestException("image part " + i + " could not be read");
            }
        }
        return new Instances(pixels, parts.size());
    }
}
