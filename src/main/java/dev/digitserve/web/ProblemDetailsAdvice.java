package dev.digitserve.web;

import java.util.List;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.util.MimeType;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import dev.digitserve.model.UnknownModelException;

/**
 * Turns every failure of the service's own API into {@code application/problem+json} (RFC 9457) with a
 * stable {@link ProblemType}, a title, a detail that tells the client what to fix, and for validation
 * failures an {@code errors} list. Nothing internal (stack traces, class names, paths) is ever written;
 * unexpected exceptions are logged and answered with a bare 500.
 */
@RestControllerAdvice
public class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

    /** Builds a problem of the given type; shared with handlers in feature packages. */
    public static ResponseEntity<ProblemDetail> problem(ProblemType type, String detail, HttpHeaders headers) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(type.status(), detail);
        body.setType(type.uri());
        body.setTitle(type.title());
        return ResponseEntity.status(type.status()).headers(headers)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }

    public static ResponseEntity<ProblemDetail> problem(ProblemType type, String detail) {
        return problem(type, detail, HttpHeaders.EMPTY);
    }

    /** A {@code Retry-After} header of at least one second, for 429 and 503 answers of either API. */
    public static HttpHeaders retryAfter(long seconds) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, seconds)));
        return headers;
    }

    @ExceptionHandler(InvalidRequestException.class)
    ResponseEntity<ProblemDetail> invalidRequest(InvalidRequestException e) {
        ResponseEntity<ProblemDetail> response = problem(ProblemType.INVALID_REQUEST, e.getMessage());
        if (!e.errors().isEmpty()) {
            response.getBody().setProperty("errors", e.errors());
        }
        return response;
    }

    @ExceptionHandler(UnknownModelException.class)
    ResponseEntity<ProblemDetail> unknownModel(UnknownModelException e) {
        return problem(ProblemType.MODEL_NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        ResponseEntity<ProblemDetail> response = problem(ProblemType.INVALID_REQUEST,
                "'" + e.getName() + "' has an invalid value");
        response.getBody().setProperty("errors", List.of(new FieldError(e.getName(), "invalid value")));
        return response;
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        RequestTooLargeException tooLarge = RequestTooLargeException.findIn(e);
        if (tooLarge != null) {
            return problem(ProblemType.PAYLOAD_TOO_LARGE, tooLarge.getMessage());
        }
        log.error("unexpected failure while handling a request", e);
        return problem(ProblemType.INTERNAL, "the service failed to handle the request; it has been logged");
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        RequestTooLargeException tooLarge = RequestTooLargeException.findIn(e);
        if (tooLarge != null) {
            return new ResponseEntity<>(problem(ProblemType.PAYLOAD_TOO_LARGE, tooLarge.getMessage()).getBody(),
                    headers, ProblemType.PAYLOAD_TOO_LARGE.status());
        }
        // Spring's own message can quote internal type names: say only what the client must fix.
        ProblemDetail body = problem(ProblemType.INVALID_REQUEST, "the request body is missing or not valid").getBody();
        return handleExceptionInternal(e, body, headers, status, request);
    }

    /** A 415 that names what was sent and what the endpoint accepts, so that the client can fix it. */
    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(HttpMediaTypeNotSupportedException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String sent = e.getContentType() == null ? "a request without a content type"
                : "the content type " + e.getContentType();
        String accepted = e.getSupportedMediaTypes().stream().map(MimeType::toString).distinct()
                .collect(Collectors.joining(", "));
        ProblemDetail body = problem(ProblemType.UNSUPPORTED_MEDIA_TYPE, accepted.isEmpty()
                ? sent + " is not supported" : sent + " is not supported here: send one of " + accepted).getBody();
        return handleExceptionInternal(e, body, headers, status, request);
    }

    /** Bean-validation failures of a JSON body: one entry per offending field, with the rule it broke. */
    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldError> errors = e.getBindingResult().getFieldErrors().stream()
                .map(error -> new FieldError(error.getField(), error.getDefaultMessage()))
                .toList();
        ProblemDetail body = problem(ProblemType.INVALID_REQUEST,
                errors.size() == 1 ? "1 parameter is invalid" : errors.size() + " parameters are invalid").getBody();
        body.setProperty("errors", errors);
        return handleExceptionInternal(e, body, headers, status, request);
    }

    /** Constraint violations on path and query parameters. */
    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldError> errors = e.getParameterValidationResults().stream()
                .flatMap(result -> result.getResolvableErrors().stream().map(error -> new FieldError(
                        result.getMethodParameter().getParameterName(), error.getDefaultMessage())))
                .toList();
        ProblemDetail body = problem(ProblemType.INVALID_REQUEST, "invalid parameters").getBody();
        body.setProperty("errors", errors);
        return handleExceptionInternal(e, body, headers, status, request);
    }

    /** Gives Spring's own problem details (404, 405, 415, ...) our stable types and titles. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(e, body, headers, status, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem
                && (problem.getType() == null || "about:blank".equals(problem.getType().toString()))) {
            ProblemType type = ProblemType.forStatus(status.value());
            problem.setType(type.uri());
            problem.setTitle(type.title());
        }
        return response;
    }
}
