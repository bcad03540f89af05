package dev.digitserve.web;

import java.util.List;

import org.springframework.http.HttpHeaders;

import dev.digitserve.request.FieldError;

/**
 * What a failure means to a client, whatever API it reached: the problem type (and through it the status),
 * a client-safe detail, the offending fields, and the headers to send ({@code Retry-After}, {@code Allow},
 * {@code WWW-Authenticate}, ...). Built by {@link ErrorTable} (and the filters); rendered by
 * {@link ErrorRenderer}.
 */
public record ApiError(ProblemType type, String detail, List<FieldError> errors, HttpHeaders headers) {

    public ApiError {
        errors = List.copyOf(errors);
        HttpHeaders copy = new HttpHeaders();
        copy.addAll(headers);
        headers = HttpHeaders.readOnlyHttpHeaders(copy);
    }

    static ApiError of(ProblemType type, String detail) {
        return new ApiError(type, detail, List.of(), HttpHeaders.EMPTY);
    }

    static ApiError of(ProblemType type, String detail, List<FieldError> errors) {
        return new ApiError(type, detail, errors, HttpHeaders.EMPTY);
    }

    /** With a {@code Retry-After} of at least one second, for 429 and 503 answers. */
    static ApiError retryAfter(ProblemType type, String detail, long seconds) {
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, seconds)));
        return new ApiError(type, detail, List.of(), headers);
    }

    /** The same error with one more header. */
    ApiError withHeader(String name, String value) {
        HttpHeaders more = new HttpHeaders();
        more.addAll(headers);
        more.set(name, value);
        return new ApiError(type, detail, errors, more);
    }

    int status() {
        return type.status().value();
    }
}
