package dev.digitserve.prediction;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;

import javax.imageio.ImageIO;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import dev.digitserve.image.DigitImageReader;
import dev.digitserve.image.ImageMediaTypes;
import dev.digitserve.image.ImageTooLargeException;
import dev.digitserve.image.InvalidImageException;
import dev.digitserve.image.UnsupportedImageTypeException;
import dev.digitserve.inference.Images;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InputLimits;
import dev.digitserve.request.InvalidRequestException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/**
 * {@code POST /api/v1/preprocess}: what a model receives for an uploaded picture, so that a person can see
 * why a photo was misread. It takes the same image inputs as predict (a PNG/JPEG body, or a multipart
 * {@code image} part, here exactly one) and runs the same pipeline ({@link DigitImageReader}), then answers
 * the 784 values as JSON, or, when the client asks for {@code image/png} in {@code Accept}, as a 28 x 28
 * 8-bit grey PNG (0 = background = black, the digit bright, as the models see it).
 *
 * <p>Errors are the prediction API's: 400 {@code invalid-image} (with {@code errors} naming the part for
 * multipart), 413 {@code image-too-large}, as problem details whatever the {@code Accept} header asked for.
 * No model is involved, so this never queues; the work is CPU-bound on the servlet thread, bounded by the
 * decoder's pixel limit. Stateless and thread-safe.
 */
@RestController
@Tag(name = "Prediction")
class PreprocessController {
    static final String PATH = "/api/v1/preprocess";

    private static final String DESCRIPTION = """
            Runs the image preprocessing of the predict endpoints and answers the result instead of a prediction: \
            the 784 values in [0, 1] (row-major 28 x 28, 0 = background) that every model receives for this picture. \
            Send a PNG or JPEG body (`image/png`, `image/jpeg`) or one `multipart/form-data` part named `image`. \
            With `Accept: image/png` the answer is that input as a 28 x 28 greyscale PNG (value x 255, the digit bright \
            on black); otherwise JSON. Errors are problem details, as for predict.""";

    private final DigitImageReader imageReader;

    PreprocessController(InputLimits limits) {
        this.imageReader = new DigitImageReader(limits.maxImagePixels());
    }

    /** The 28 x 28 input as JSON. */
    @Schema(name = "PreprocessedImage", description = "The model input: width x height values, row-major, in [0, 1], 0 = background")
    record PreprocessedImage(@Schema(example = "28") int width, @Schema(example = "28") int height,
                             @Schema(description = "784 values, row-major") float[] pixels) {
    }

    @PostMapping(path = PATH, consumes = {ImageMediaTypes.PNG, ImageMediaTypes.JPEG, ImageMediaTypes.WEBP,
            ImageMediaTypes.GIF, ImageMediaTypes.BMP, ImageMediaTypes.TIFF},
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.IMAGE_PNG_VALUE})
    @Operation(summary = "Show the 28x28 input the models receive for a picture", description = DESCRIPTION,
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = {
                    @Content(mediaType = MediaType.IMAGE_PNG_VALUE, schema = @Schema(type = "string", format = "binary")),
                    @Content(mediaType = MediaType.IMAGE_JPEG_VALUE, schema = @Schema(type = "string", format = "binary"))}))
    @Responses
    ResponseEntity<Object> preprocessImage(
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
            @RequestHeader(HttpHeaders.CONTENT_TYPE) String contentType,
            @RequestBody byte[] image) {
        return answer(imageReader.toMnistInput(image, contentType), accept);
    }

    @PostMapping(path = PATH, consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.IMAGE_PNG_VALUE})
    @Operation(summary = "Show the 28x28 input the models receive for a picture", description = DESCRIPTION)
    @Responses
    ResponseEntity<Object> preprocessUpload(
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept,
            @RequestPart("image") @Parameter(description = "one PNG/JPEG image of one digit") List<MultipartFile> image) {
        if (image.size() != 1) {
            throw new InvalidRequestException("send exactly one image part, got " + image.size(),
                    List.of(new FieldError("image", "exactly one part expected")));
        }
        float[] pixels;
        try {
            pixels = imageReader.toMnistInput(image.get(0).getBytes(), image.get(0).getContentType());
        } catch (InvalidImageException | ImageTooLargeException | UnsupportedImageTypeException e) {
            // the same shape as predict's multipart errors: errors[].pointer names the part
            throw new ImagePartException(0, e);
        } catch (IOException e) {
            throw new InvalidRequestException("image part 0 could not be read");
        }
        return answer(pixels, accept);
    }

    private static ResponseEntity<Object> answer(float[] pixels, String accept) {
        if (wantsPng(accept)) {
            return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(png(pixels));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                .body(new PreprocessedImage(Images.SIDE, Images.SIDE, pixels));
    }

    /**
     * PNG only when the client names it (or {@code image/*}) ahead of JSON; a bare {@code *}{@code /*} or no
     * header means JSON, the API's default. Ties keep the client's order.
     */
    static boolean wantsPng(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        List<MediaType> types;
        try {
            types = MediaType.parseMediaTypes(accept);
        } catch (RuntimeException e) {
            return false;
        }
        for (MediaType type : types.stream().sorted(Comparator.comparingDouble(MediaType::getQualityValue).reversed()).toList()) {
            if (type.isWildcardType() || type.getQualityValue() == 0) {
                continue;
            }
            if (MediaType.IMAGE_PNG.isCompatibleWith(type)) {
                return true;
            }
            if (MediaType.APPLICATION_JSON.isCompatibleWith(type)) {
                return false;
            }
        }
        return false;
    }

    /** The input as an 8-bit grey PNG, each value rounded to the nearest of 256 levels. */
    static byte[] png(float[] pixels) {
        BufferedImage image = new BufferedImage(Images.SIDE, Images.SIDE, BufferedImage.TYPE_BYTE_GRAY);
        int[] levels = new int[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            levels[i] = Math.round(Math.max(0f, Math.min(1f, pixels[i])) * 255);
        }
        image.getRaster().setSamples(0, 0, Images.SIDE, Images.SIDE, 0, levels);
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @ApiResponse(responseCode = "200", description = "The preprocessed input: JSON, or a 28x28 PNG with Accept: image/png",
            content = {
                    @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = PreprocessedImage.class)),
                    @Content(mediaType = MediaType.IMAGE_PNG_VALUE, schema = @Schema(type = "string", format = "binary"))})
    @ApiResponse(responseCode = "400", description = "Not a PNG/JPEG, corrupt, or no digit found; for multipart, `errors` names the part",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "413", description = "Request body or image too large",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "415", description = "Content-Type is not image/png, image/jpeg or multipart/form-data",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @interface Responses {
    }
}
