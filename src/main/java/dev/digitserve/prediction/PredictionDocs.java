package dev.digitserve.prediction;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;

import org.springframework.http.ProblemDetail;

import dev.digitserve.image.ImageMediaTypes;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

/** OpenAPI texts and schemas of the prediction endpoints, kept out of the controller's way. */
final class PredictionDocs {
    private PredictionDocs() {
    }

    static final String JSON = """
            **JSON** (`application/json`): send one or more images as pixel arrays: `{"instances": [...]}`, each instance either 784 numbers \
            or 28 rows of 28 numbers, row-major, pixel intensity in [0, 1] with 0 = background (as in MNIST). \
            Up to `digitserve.prediction.max-instances` (default 1,024) instances per request. \
            The answer has one prediction per instance, in request order: the digit and the 10 \
            `probabilities` (CNN) or raw `scores` (Lasso model).""";

    static final String IMAGE = """
            **Images**: send a picture of one handwritten digit as the request body, as `image/png`, `image/jpeg`, \
            `image/webp`, `image/gif` (first frame), `image/bmp` or `image/tiff` (first page), \
            or several as `multipart/form-data` parts named `image`. The content type must match the file's \
            own signature (400 otherwise); HEIC/HEIF, AVIF and other types are refused with 415. \
            An EXIF `Orientation` (JPEG, PNG `eXIf`, WebP, TIFF) is applied first, as a photo viewer would. \
            Any size and aspect ratio, colour or grey, \
            dark ink on light paper or light on dark. The service prepares it the way MNIST was made: \
            greyscale; polarity detected from the border and normalised to a bright digit on black; background \
            level removed and contrast stretched; cropped to the digit's bounding box; the longer side scaled to \
            20 pixels keeping the aspect ratio; pasted into 28x28 so that the centre of mass is at the centre. \
            Images over `digitserve.prediction.max-image-pixels` (default 16 megapixels) are refused with 413 \
            from their header, before decoding.""";

    static final String SUMMARY = "Predict digits: JSON pixel arrays, a PNG/JPEG body, or multipart image uploads";

    static final String VERSION = "The model version to ask; without it (the path without /versions/{version}) the served version answers";

    /** springdoc merges the three handlers of a path into one operation, so each carries the whole story. */
    static final String ALL = JSON + "\n\n" + IMAGE;

    static final String EMBEDDINGS_SUMMARY = "Embeddings of digits: the 128 numbers a CNN describes each image with";

    static final String EMBEDDINGS = """
            The model's description of each image instead of its verdict: the 128 activations of the CNN's \
            dense layer before the output layer, in inference mode (no dropout), as \
            `{"model", "version", "embeddings": [[128 floats], ...]}`, one per image in request order. Images the \
            model finds alike get embeddings that point the same way, so compare them by cosine similarity \
            (search, clustering, de-duplication). Computed in the same batches and forward pass as predictions. \
            Only CNN models have one: asking the Lasso model is 400 `invalid-request`, naming why. Same inputs \
            and limits as predict.""" + "\n\n" + JSON + "\n\n" + IMAGE;

    static final String PARTS = "one or more images (PNG, JPEG, WebP, GIF, BMP, TIFF), one digit each";

    static final String TIMEOUT = "Optional deadline in milliseconds: a request still queued after it is answered 503 "
            + "instead of being computed. Defaults to digitserve.batching.request-timeout.";

    /** The JSON request body, for the documentation (the parser streams it without binding). */
    @Schema(name = "InstancesRequest", description = "Images as pixel arrays")
    record InstancesRequest(
            @ArraySchema(minItems = 1, maxItems = 1024, arraySchema = @Schema(
                    description = "Each instance: 784 numbers, or 28 arrays of 28 numbers, in [0, 1]"),
                    schema = @Schema(type = "array", implementation = Object.class))
            List<Object> instances) {
    }

    /** A binary image request body in any accepted format, so that Swagger UI offers a file picker. */
    @Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = {
            @Content(mediaType = ImageMediaTypes.PNG, schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = ImageMediaTypes.JPEG, schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = ImageMediaTypes.WEBP, schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = ImageMediaTypes.GIF, schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = ImageMediaTypes.BMP, schema = @Schema(type = "string", format = "binary")),
            @Content(mediaType = ImageMediaTypes.TIFF, schema = @Schema(type = "string", format = "binary"))})
    @interface ImageBody {
    }

    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ApiResponse(responseCode = "200", description = "One prediction per image, in request order")
    @ApiResponse(responseCode = "400", description = "Malformed or invalid input; `errors` names each offending instance",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "404", description = "Unknown model or version",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "413", description = "Request body or image too large",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "415", description = "Unsupported content type or image format (HEIC, AVIF, ...)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "429", description = "Queue full: retry after the `Retry-After` seconds",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "503", description = "Deadline passed while queued, or shutting down",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @interface ErrorResponses {
    }
}
