package dev.digitserve.web;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.util.MimeType;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

import dev.digitserve.batching.BatchingException;
import dev.digitserve.image.ImageTooLargeException;
import dev.digitserve.image.InvalidImageException;
import dev.digitserve.image.UnsupportedImageTypeException;
import dev.digitserve.model.ModelTooLargeException;
import dev.digitserve.model.UnknownModelException;
import dev.digitserve.prediction.ImagePartException;
import dev.digitserve.request.ConflictException;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;
import dev.digitserve.request.NotFoundException;
import dev.digitserve.request.RequestTooLargeException;
import dev.digitserve.training.TrainingQueueFullException;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The one place that says what any failure means to a client: every exception a request can end in, from the
 * features, from Spring MVC or unexpected, becomes an {@link ApiError} (problem type and so status, detail,
 * field errors, headers). {@link ProblemType} stays the only status table. Both renderers (problem details for
 * v1, {@code {"error"}} for V2) and the servlet filters use it, so a status or a {@code Retry-After} cannot
 * differ between the APIs.
 *
 * <p>Details are written for clients and never carry stack traces, class names or file paths. Where the two
 * APIs word a message differently (the protocol names JSON fields like {@code inputs[0].shape} and lists its
 * endpoints), the {@link Api} decides the wording, never the status. Unexpected exceptions are logged once and
 * answered with a bare 500.
 */
public final class ErrorTable {
    private static final Logger log = LoggerFactory.getLogger(ErrorTable.class);

    private ErrorTable() {
    }

    public static ApiError describe(Throwable failure, Api api, HttpServletRequest request) {
        Throwable e = unwrap(failure);
        RequestTooLargeException tooLarge = RequestTooLargeException.findIn(e);
        if (tooLarge != null) {
            return ApiError.of(ProblemType.PAYLOAD_TOO_LARGE, tooLarge.getMessage());
        }
        ApiError known = feature(e);
        if (known != null) {
            return known;
        }
        ApiError spring = spring(e, api, request);
        if (spring != null) {
            return spring;
        }
        log.error("unexpected failure while handling {} {}", request.getMethod(), Api.path(request), e);
        return ApiError.of(ProblemType.INTERNAL, api == Api.V2
                ? "the server failed to handle the request; the failure has been logged"
                : "the service failed to handle the request; it has been logged");
    }

    /** The future of an asynchronous handler wraps what the batcher threw. */
    private static Throwable unwrap(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The service's own exceptions. */
    private static ApiError feature(Throwable e) {
        if (e instanceof InvalidRequestException invalid) {
            return ApiError.of(ProblemType.INVALID_REQUEST, invalid.getMessage(), invalid.errors());
        }
        if (e instanceof UnknownModelException unknown) {
            return ApiError.of(ProblemType.MODEL_NOT_FOUND, unknown.getMessage());
        }
        if (e instanceof ModelTooLargeException tooLarge) {
            // not transient, so no Retry-After: the operator raises the budget or unpins something
            return ApiError.of(ProblemType.MODEL_TOO_LARGE, tooLarge.getMessage());
        }
        if (e instanceof BatchingException batching) {
            return batching(batching);
        }
        if (e instanceof ImagePartException part) {
            ApiError image = feature(part.getCause());
            return ApiError.of(image.type(), part.getMessage(),
                    List.of(new FieldError("image/" + part.part(), part.getCause().getMessage())));
        }
        if (e instanceof ImageTooLargeException image) {
            return ApiError.of(ProblemType.IMAGE_TOO_LARGE, image.getMessage());
        }
        if (e instanceof UnsupportedImageTypeException image) {
            return ApiError.of(ProblemType.UNSUPPORTED_MEDIA_TYPE, image.getMessage());
        }
        if (e instanceof InvalidImageException image) {
            return ApiError.of(ProblemType.INVALID_IMAGE, image.getMessage());
        }
        if (e instanceof NotFoundException notFound) {
            return ApiError.of(ProblemType.NOT_FOUND, notFound.getMessage());
        }
        if (e instanceof ConflictException conflict) {
            return ApiError.of(ProblemType.CONFLICT, conflict.getMessage());
        }
        if (e instanceof TrainingQueueFullException full) {
            return ApiError.retryAfter(ProblemType.OVERLOADED, full.getMessage(), 60);
        }
        return null;
    }

    /** The batcher's refusals: 429 or 503 with its Retry-After advice; an engine failure is 500. */
    private static ApiError batching(BatchingException e) {
        return switch (e.reason()) {
            case QUEUE_FULL -> ApiError.retryAfter(ProblemType.OVERLOADED, e.getMessage(), e.retryAfterSeconds());
            case DEADLINE -> ApiError.retryAfter(ProblemType.DEADLINE_EXCEEDED, e.getMessage(), e.retryAfterSeconds());
            case SHUTDOWN -> ApiError.retryAfter(ProblemType.UNAVAILABLE, e.getMessage(), e.retryAfterSeconds());
            // the batcher has logged the engine's exception once, for the whole batch
            case ENGINE_FAILED -> ApiError.of(ProblemType.INFERENCE_FAILED,
                    "the model failed on this batch; the request can be retried");
        };
    }

    /** Spring MVC's own exceptions (binding, validation, routing), with the status Spring gives them. */
    private static ApiError spring(Throwable e, Api api, HttpServletRequest request) {
        if (e instanceof MethodArgumentNotValidException invalid) {
            List<FieldError> errors = invalid.getBindingResult().getFieldErrors().stream()
                    .map(error -> new FieldError(error.getField(), error.getDefaultMessage()))
                    .toList();
            return ApiError.of(ProblemType.INVALID_REQUEST,
                    errors.size() == 1 ? "1 parameter is invalid" : errors.size() + " parameters are invalid", errors);
        }
        if (e instanceof HandlerMethodValidationException invalid) {
            List<FieldError> errors = invalid.getParameterValidationResults().stream()
                    .flatMap(result -> result.getResolvableErrors().stream().map(error -> new FieldError(
                            result.getMethodParameter().getParameterName(), error.getDefaultMessage())))
                    .toList();
            return ApiError.of(ProblemType.INVALID_REQUEST, "invalid parameters", errors);
        }
        if (e instanceof MethodArgumentTypeMismatchException mismatch) {
            if (api == Api.V2) {
                String what = "version".equals(mismatch.getName()) ? "model versions are positive integers" : "invalid value";
                return ApiError.of(ProblemType.INVALID_REQUEST,
                        mismatch.getName() + ": '" + mismatch.getValue() + "' is not valid; " + what);
            }
            return ApiError.of(ProblemType.INVALID_REQUEST, "'" + mismatch.getName() + "' has an invalid value",
                    List.of(new FieldError(mismatch.getName(), "invalid value")));
        }
        if (e instanceof HttpMessageNotReadableException unreadable) {
            // Spring's own message can quote internal type names: say only what the client must fix.
            return ApiError.of(ProblemType.INVALID_REQUEST, api == Api.V2
                    ? ProtocolBodyErrors.describe(unreadable) : "the request body is missing or not valid");
        }
        if (e instanceof HttpMediaTypeNotSupportedException unsupported) {
            return new ApiError(ProblemType.UNSUPPORTED_MEDIA_TYPE, unsupportedMediaType(unsupported, api), List.of(),
                    unsupported.getHeaders());
        }
        if (api == Api.V2 && e instanceof MissingRequestHeaderException missing) {
            return ApiError.of(ProblemType.INVALID_REQUEST, "missing header " + missing.getHeaderName());
        }
        if (e instanceof ErrorResponse response && response.getStatusCode().value() != 500) {
            int status = response.getStatusCode().value();
            return new ApiError(ProblemType.forStatus(status), springDetail(response, status, api, request), List.of(),
                    response.getHeaders());
        }
        return null;
    }

    /** A 415 that names what was sent and what the endpoint accepts, so that the client can fix it. */
    private static String unsupportedMediaType(HttpMediaTypeNotSupportedException e, Api api) {
        if (api == Api.V2) {
            String sent = e.getContentType() == null ? "none" : "'" + e.getContentType() + "'";
            return "unsupported Content-Type " + sent
                    + ": send the inference request as application/json, or as application/octet-stream with an "
                    + "Inference-Header-Content-Length header (binary tensor data extension)";
        }
        String sent = e.getContentType() == null ? "a request without a content type"
                : "the content type " + e.getContentType();
        String accepted = e.getSupportedMediaTypes().stream().map(MimeType::toString).distinct()
                .collect(Collectors.joining(", "));
        return accepted.isEmpty() ? sent + " is not supported" : sent + " is not supported here: send one of " + accepted;
    }

    /** Spring's details are written for clients ("Request method 'PUT' is not supported."); V2 routing says more. */
    private static String springDetail(ErrorResponse response, int status, Api api, HttpServletRequest request) {
        if (api == Api.V2 && status == 404) {
            return "no such endpoint: " + request.getMethod() + " " + Api.path(request)
                    + "; the protocol's endpoints are /v2, /v2/health/{live,ready} and /v2/models/{name}[/versions/{version}][/ready|/infer|/config]";
        }
        HttpHeaders headers = response.getHeaders();
        if (api == Api.V2 && status == 405) {
            return "method " + request.getMethod() + " is not allowed on " + Api.path(request)
                    + (headers.getAllow().isEmpty() ? "" : "; allowed: " + headers.getAllow());
        }
        String detail = response.getBody().getDetail();
        return detail != null ? detail : response.getStatusCode().toString();
    }
}
