package dev.digitserve.prediction;

import java.util.List;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.digitserve.image.UnsupportedImageTypeException;
import dev.digitserve.web.FieldError;
import dev.digitserve.web.ProblemDetailsAdvice;
import dev.digitserve.web.ProblemType;

/**
 * Image failures as problem details: 400 {@code invalid-image}, 413 {@code image-too-large}, 415
 * {@code unsupported-media-type} for a format that is recognised but not decoded.
 */
@RestControllerAdvice(basePackageClasses = PredictionController.class)
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class ImageProblemAdvice {

    @ExceptionHandler(InvalidImageException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidImageException e) {
        return ProblemDetailsAdvice.problem(ProblemType.INVALID_IMAGE, e.getMessage());
    }

    @ExceptionHandler(ImageTooLargeException.class)
    ResponseEntity<ProblemDetail> tooLarge(ImageTooLargeException e) {
        return ProblemDetailsAdvice.problem(ProblemType.IMAGE_TOO_LARGE, e.getMessage());
    }

    @ExceptionHandler(UnsupportedImageTypeException.class)
    ResponseEntity<ProblemDetail> unsupported(UnsupportedImageTypeException e) {
        return ProblemDetailsAdvice.problem(ProblemType.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    }

    @ExceptionHandler(ImagePartException.class)
    ResponseEntity<ProblemDetail> part(ImagePartException e) {
        ResponseEntity<ProblemDetail> response;
        if (e.getCause() instanceof ImageTooLargeException tooLarge) {
            response = tooLarge(tooLarge);
        } else if (e.getCause() instanceof UnsupportedImageTypeException unsupported) {
            response = unsupported(unsupported);
        } else {
            response = invalid((InvalidImageException) e.getCause());
        }
        response.getBody().setDetail(e.getMessage());
        response.getBody().setProperty("errors", List.of(new FieldError("image/" + e.part(), e.getCause().getMessage())));
        return response;
    }
}
