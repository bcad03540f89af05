package dev.digitserve.web;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import dev.digitserve.protocol.ProtocolError;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes an {@link ApiError} in the shape of the API the request spoke: {@code application/problem+json}
 * (RFC 9457, with {@code type}, {@code title}, {@code status}, {@code detail} and, when there are any,
 * {@code errors}) for v1, the protocol's {@code {"error": "..."}} ({@code application/json}) for V2. The same
 * headers and status either way. Two entry points: a {@link ResponseEntity} for controller advice, and a direct
 * write for servlet filters, which answer before Spring MVC; both serialise with Jackson, so any detail text is
 * escaped properly.
 */
public final class ErrorRenderer {
    private ErrorRenderer() {
    }

    /** For controller advice. */
    public static ResponseEntity<Object> entity(ApiError error, Api api) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(error.status()).headers(error.headers());
        return api == Api.V2
                ? builder.contentType(MediaType.APPLICATION_JSON).body(new ProtocolError(error.detail()))
                : builder.contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem(error));
    }

    /** For servlet filters: status, headers and body straight onto the response. */
    public static void write(HttpServletResponse response, ApiError error, Api api) throws IOException {
        response.setStatus(error.status());
        error.headers().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
        response.setCharacterEncoding("UTF-8");
        Object body;
        if (api == Api.V2) {
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            body = Map.of("error", error.detail());
        } else {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            Map<String, Object> problem = new LinkedHashMap<>();
            problem.put("type", error.type().uri().toString());
            problem.put("title", error.type().title());
            problem.put("status", error.status());
            problem.put("detail", error.detail());
            if (!error.errors().isEmpty()) {
                problem.put("errors", error.errors());
            }
            body = problem;
        }
        response.getWriter().write(JsonMapper.shared().writeValueAsString(body));
    }

    private static ProblemDetail problem(ApiError error) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(error.type().status(), error.detail());
        body.setType(error.type().uri());
        body.setTitle(error.type().title());
        if (!error.errors().isEmpty()) {
            body.setProperty("errors", error.errors());
        }
        return body;
    }
}
