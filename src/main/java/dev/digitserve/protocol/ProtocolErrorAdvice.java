package dev.digitserve.protocol;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

import dev.digitserve.batching.BatcherClosedException;
import dev.digitserve.batching.DeadlineExceededException;
import dev.digitserve.batching.InferenceFailedException;
import dev.digitserve.batching.QueueFullException;
import dev.digitserve.model.UnknownModelException;
import dev.digitserve.web.InvalidRequestException;
import dev.digitserve.web.ProblemDetailsAdvice;
import dev.digitserve.web.RequestTooLargeException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Every failure of the protocol endpoints as the protocol's error object, {@code {"error": "..."}}
 * ({@code application/json}), instead of the v1 API's problem details: 400 for a request to fix (the
 * message names the field, e.g. {@code inputs[0].shape}), 404 for an unknown model or version, 413 for an
 * oversized body, 415 for a body that is not JSON, 429 (queue full) and 503 (deadline passed, shutting
 * down) with {@code Retry-After}, and 500 when the model fails. Messages never carry stack traces, class
 * names or paths; unexpected exceptions are logged and answered with a bare 500.
 *
 * <p>Ordered before the service-wide advice, which would otherwise answer Spring's own exceptions
 * (unreadable body, 415, type mismatch) with problem details.
 */
@RestControllerAdvice(basePackageClasses = OpenInferenceController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ProtocolErrorAdvice {
    private static final Logger log = LoggerFactory.getLogger(ProtocolErrorAdvice.class);

    static ResponseEntity<ProtocolError> error(HttpStatusCode status, String message) {
        return error(status, message, HttpHeaders.EMPTY);
    }

    static ResponseEntity<ProtocolError> error(HttpStatusCode status, String message, HttpHeaders headers) {
        return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_JSON)
                .body(new ProtocolError(message));
    }


    @ExceptionHandler(InvalidRequestException.class)
    ResponseEntity<ProtocolError> invalidRequest(InvalidRequestException e) {
        return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(UnknownModelException.class)
    ResponseEntity<ProtocolError> unknownModel(UnknownModelException e) {
        return error(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(QueueFullException.class)
    ResponseEntity<ProtocolError> queueFull(QueueFullException e) {
        return error(HttpStatus.TOO_MANY_REQUESTS, e.getMessage(), ProblemDetailsAdvice.retryAfter(e.retryAfterSeconds()));
    }

    @ExceptionHandler(DeadlineExceededException.class)
    ResponseEntity<ProtocolError> deadline(DeadlineExceededException e) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), ProblemDetailsAdvice.retryAfter(1));
    }

    @ExceptionHandler(BatcherClosedException.class)
    ResponseEntity<ProtocolError> closed(BatcherClosedException e) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), ProblemDetailsAdvice.retryAfter(1));
    }

    @ExceptionHandler(InferenceFailedException.class)
    ResponseEntity<ProtocolError> inferenceFailed(InferenceFailedException e) {
        // the batcher has logged the engine's exception once, for the whole batch
        return error(HttpStatus.INTERNAL_SERVER_ERROR, "the model failed on this batch; the request can be retried");
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProtocolError> unreadable(HttpMessageNotReadableException e) {
        RequestTooLargeException tooLarge = RequestTooLargeException.findIn(e);
        if (tooLarge != null) {
            return error(HttpStatus.CONTENT_TOO_LARGE, tooLarge.getMessage());
        }
        return error(HttpStatus.BAD_REQUEST, RequestBodyErrors.describe(e));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProtocolError> unsupportedMediaType(HttpMediaTypeNotSupportedException e) {
        String sent = e.getContentType() == null ? "none" : "'" + e.getContentType() + "'";
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported Content-Type " + sent
                + ": send the inference request as application/json (the binary tensor extension is not supported)");
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProtocolError> typeMismatch(MethodArgumentTypeMismatchException e) {
        String what = "version".equals(e.getName()) ? "model versions are positive integers" : "invalid value";
        return error(HttpStatus.BAD_REQUEST, e.getName() + ": '" + e.getValue() + "' is not valid; " + what);
    }

    @ExceptionHandler(MissingRequestHeaderException.class)
    ResponseEntity<ProtocolError> missingHeader(MissingRequestHeaderException e) {
        return error(HttpStatus.BAD_REQUEST, "missing header " + e.getHeaderName());
    }

    /** Anything else: Spring's own errors keep their status, the rest is a logged 500 that says nothing internal. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProtocolError> unexpected(Exception e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause != e) {
            ResponseEntity<ProtocolError> unwrapped = known(cause);
            if (unwrapped != null) {
                return unwrapped;
            }
        }
        RequestTooLargeException tooLarge = RequestTooLargeException.findIn(e);
        if (tooLarge != null) {
            return error(HttpStatus.CONTENT_TOO_LARGE, tooLarge.getMessage());
        }
        if (e instanceof ErrorResponse spring && spring.getStatusCode().value() != 500) {
            // Spring's own details are written for clients (e.g. "Request method 'PUT' is not supported.")
            String detail = spring.getBody().getDetail();
            return error(spring.getStatusCode(), detail != null ? detail : spring.getStatusCode().toString(),
                    spring.getHeaders());
        }
        log.error("unexpected failure while handling an Open Inference Protocol request", e);
        return error(HttpStatus.INTERNAL_SERVER_ERROR, "the server failed to handle the request; the failure has been logged");
    }

    /** The handler for a wrapped exception that has one, or null. */
    private ResponseEntity<ProtocolError> known(Throwable e) {
        if (e instanceof InvalidRequestException invalid) {
            return invalidRequest(invalid);
        }
        if (e instanceof UnknownModelException unknown) {
            return unknownModel(unknown);
        }
        if (e instanceof QueueFullException full) {
            return queueFull(full);
        }
        if (e instanceof DeadlineExceededException deadline) {
            return deadline(deadline);
        }
        if (e instanceof BatcherClosedException closed) {
            return closed(closed);
        }
        if (e instanceof InferenceFailedException failed) {
            return inferenceFailed(failed);
        }
        return null;
    }

    /** Turns Spring's and Jackson's reasons for an unreadable body into a message for the client. */
    static final class RequestBodyErrors {
        private RequestBodyErrors() {
        }

        static String describe(HttpMessageNotReadableException e) {
            JacksonException jackson = find(e);
            if (jackson == null) {
                return "the request body is missing: send an inference request, {\"inputs\": [{\"name\": \"input\", "
                        + "\"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": [...]}]}";
            }
            if (jackson instanceof MismatchedInputException mismatch) {
                String path = path(mismatch.getPath());
                if (path.isEmpty()) {
                    return "the request body must be a JSON object: {\"inputs\": [...]}";
                }
                return path + ": " + expected(mismatch.getPath());
            }
            return "malformed JSON: " + clean(jackson.getOriginalMessage()) + location(jackson);
        }

        private static JacksonException find(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof JacksonException jackson) {
                    return jackson;
                }
            }
            return null;
        }

        /** {@code inputs[0].shape}: the JSON path a client recognises. */
        static String path(List<JacksonException.Reference> references) {
            StringBuilder path = new StringBuilder();
            for (JacksonException.Reference reference : references) {
                if (reference.getPropertyName() != null) {
                    if (!path.isEmpty()) {
                        path.append('.');
                    }
                    path.append(reference.getPropertyName());
                } else if (reference.getIndex() >= 0) {
                    path.append('[').append(reference.getIndex()).append(']');
                }
            }
            return path.toString();
        }

        private static String expected(List<JacksonException.Reference> references) {
            JacksonException.Reference last = references.get(references.size() - 1);
            String field = last.getPropertyName();
            if (field == null && references.size() >= 2) {
                String list = references.get(references.size() - 2).getPropertyName();
                return "inputs".equals(list) ? "must be a tensor object with name, shape, datatype and data"
                        : "outputs".equals(list) ? "must be an object with a \"name\"" : "has the wrong JSON type";
            }
            if (field == null) {
                return "has the wrong JSON type";
            }
            return switch (field) {
                case "id", "name", "datatype" -> "must be a string";
                case "parameters" -> "must be an object of parameters";
                case "inputs" -> "must be an array holding one input tensor";
                case "outputs" -> "must be an array of objects with a \"name\"";
                default -> "has the wrong JSON type";
            };
        }

        /** Jackson's message without its source description (which can name internal types). */
        private static String clean(String message) {
            if (message == null) {
                return "unreadable input";
            }
            String firstLine = message.lines().findFirst().orElse("");
            return firstLine.replaceAll("\\s*\\(start marker at \\[Source:.*?]\\)", "")
                    .replaceAll("\\s*at \\[Source:.*?]", "")
                    .replaceAll("\\s*\\[Source:.*?]", "")
                    // "enable `JsonReadFeature.X` to allow": a server setting, not something the client can do
                    .replaceAll(":?\\s*enable `[^`]*` to allow", "")
                    .strip();
        }

        private static String location(JacksonException e) {
            var location = e.getLocation();
            return location == null || location.getLineNr() < 0 ? ""
                    : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
        }
    }
}
