package dev.digitserve.web;

import java.net.URI;

import org.springframework.http.HttpStatus;

/**
 * The stable {@code type} URIs of digitserve's problem details (RFC 9457). Clients may switch on them;
 * they never change meaning. Documented in the README.
 */
public enum ProblemType {
    INVALID_REQUEST("invalid-request", HttpStatus.BAD_REQUEST, "Invalid request"),
    INVALID_IMAGE("invalid-image", HttpStatus.BAD_REQUEST, "Invalid image"),
    MODEL_NOT_FOUND("model-not-found", HttpStatus.NOT_FOUND, "Model or version not found"),
    NOT_FOUND("not-found", HttpStatus.NOT_FOUND, "Not found"),
    METHOD_NOT_ALLOWED("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE("not-acceptable", HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    PAYLOAD_TOO_LARGE("payload-too-large", HttpStatus.CONTENT_TOO_LARGE, "Request too large"),
    IMAGE_TOO_LARGE("image-too-large", HttpStatus.CONTENT_TOO_LARGE, "Image too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    CONFLICT("conflict", HttpStatus.CONFLICT, "Conflict"),
    UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED, "API key required"),
    FORBIDDEN("forbidden", HttpStatus.FORBIDDEN, "API key not accepted"),
    OVERLOADED("overloaded", HttpStatus.TOO_MANY_REQUESTS, "Too many requests"),
    DEADLINE_EXCEEDED("deadline-exceeded", HttpStatus.SERVICE_UNAVAILABLE, "Request timed out in the queue"),
    UNAVAILABLE("unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable"),
    MODEL_TOO_LARGE("model-too-large", HttpStatus.INSUFFICIENT_STORAGE, "Model does not fit the memory budget"),
    INFERENCE_FAILED("inference-failed", HttpStatus.INTERNAL_SERVER_ERROR, "Inference failed"),
    INTERNAL("internal-error", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

    static final String PREFIX = "urn:digitserve:problem:";

    private final URI uri;
    private final HttpStatus status;
    private final String title;

    ProblemType(String slug, HttpStatus status, String title) {
        this.uri = URI.create(PREFIX + slug);
        this.status = status;
        this.title = title;
    }

    public URI uri() {
        return uri;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The type that fits a status when Spring raised the error itself. */
    public static ProblemType forStatus(int status) {
        return switch (status) {
            case 400 -> INVALID_REQUEST;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 409 -> CONFLICT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 429 -> OVERLOADED;
            case 503 -> UNAVAILABLE;
            default -> status >= 500 ? INTERNAL : INVALID_REQUEST;
        };
    }
}
