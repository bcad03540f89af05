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
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import dev.digitserve.image.ImageMediaTypes;
import dev.digitserve.image.NumberImageReader;
import dev.digitserve.model.ModelResolver;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InputLimits;
import dev.digitserve.request.InvalidRequestException;
import dev.digitserve.request.RequestTimeout;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;

/**
 * v1 "read a number" endpoints: one picture of digits written in a row, as an image body or a multipart
 * {@code image} part, answered with the digits left to right. Handlers decode, segment and validate on the
 * servlet thread (CPU-bound, bounded by the pixel limit and {@code max-digits}); the returned future is
 * completed by the model version's batcher.
 */
@RestController
@RequestMapping("/api/v1/models")
@Tag(name = "Prediction", description = "Recognise handwritten digits")
class ReadController {
    static final String MAX_DIGITS = "max-digits";
    static final String DEFAULT_MAX_DIGITS = "32";

    private static final String DOCS = """
            Reads a number written in a row in one picture (a house number, a meter reading, an amount): the \
            picture is cleaned as for one digit (EXIF orientation, polarity, background, contrast), the digits \
            are found as connected strokes (broken strokes joined, touching digits cut where the ink is \
            thinnest), each is size-normalised and centred the MNIST way, and all go to the model as one \
            batch. The answer lists them left to right with the label, the model's probability (or score) \
            and the box `[x, y, width, height]` in the upright picture's pixels; `text` is the labels \
            joined. A picture without digits, or with more than `max-digits`, is 400 `invalid-image`. \
            Image types and limits as for predict: PNG, JPEG, WebP, GIF, BMP, TIFF.""";

    private final ReadService reading;
    private static final String SERVED = "/{name}/read";
    private static final String VERSIONED = "/{name}/versions/{version}/read";

    private final NumberImageReader reader;
    private final int maxInstances;

    ReadController(ReadService reading, InputLimits properties) {
        this.reading = reading;
        this.reader = new NumberImageReader(properties.maxImagePixels());
        this.maxInstances = properties.maxInstances();
    }

    @PostMapping(path = {SERVED, VERSIONED}, consumes = {ImageMediaTypes.PNG, ImageMediaTypes.JPEG,
            ImageMediaTypes.WEBP, ImageMediaTypes.GIF, ImageMediaTypes.BMP, ImageMediaTypes.TIFF},
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Read the number in an image", description = DOCS)
    @PredictionDocs.ImageBody
    @PredictionDocs.ErrorResponses
    CompletableFuture<ReadResponse> readImage(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable(required = false) @Parameter(description = PredictionDocs.VERSION, example = "1") Integer version,
            @RequestParam(name = MAX_DIGITS, defaultValue = DEFAULT_MAX_DIGITS) @Parameter(description = "the most digits to read") int maxDigits,
            @RequestHeader(name = RequestTimeout.HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType,
            @RequestBody byte[] image) {
        return read(name, version, image, contentType, maxDigits, timeoutMs);
    }

    @PostMapping(path = {SERVED, VERSIONED}, consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Read the number in an uploaded image", description = DOCS)
    @PredictionDocs.ErrorResponses
    CompletableFuture<ReadResponse> readUpload(
            @PathVariable @Parameter(example = "cnn") String name,
            @PathVariable(required = false) @Parameter(description = PredictionDocs.VERSION, example = "1") Integer version,
            @RequestParam(name = MAX_DIGITS, defaultValue = DEFAULT_MAX_DIGITS) @Parameter(description = "the most digits to read") int maxDigits,
            @RequestHeader(name = RequestTimeout.HEADER, required = false) @Parameter(description = PredictionDocs.TIMEOUT) String timeoutMs,
            @RequestPart("image") @Parameter(description = "one image of a number") MultipartFile image) throws IOException {
        return read(name, version, image.getBytes(), image.getContentType(), maxDigits, timeoutMs);
    }

    private CompletableFuture<ReadResponse> read(String name, Integer version, byte[] image, String contentType,
                                                 int maxDigits, String timeoutMs) {
        if (maxDigits < 1 || maxDigits > maxInstances) {
            throw new InvalidRequestException("max-digits must be between 1 and " + maxInstances,
                    List.of(new FieldError(MAX_DIGITS, "must be between 1 and " + maxInstances)));
        }
        // the cheap checks come before the image is worked on, so a typo costs no decoding
        ModelResolver.requireValidName(name);
        Duration timeout = RequestTimeout.parse(timeoutMs);
        return reading.read(name, version, reader.read(image, contentType, maxDigits), timeout);
    }
}
