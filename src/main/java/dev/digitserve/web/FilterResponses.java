package dev.digitserve.web;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.MediaType;

import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Error bodies for servlet filters, which answer before Spring MVC and its advice: the same problem
 * details (or the Open Inference Protocol's {@code {"error": ...}}) the controllers give, serialised by
 * Jackson so that any detail text is escaped properly.
 */
final class FilterResponses {
    private FilterResponses() {
    }

    /** {@code application/problem+json} of the given type; the caller may set headers first. */
    static void problem(HttpServletResponse response, ProblemType type, String detail) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type.uri().toString());
        body.put("title", type.title());
        body.put("status", type.status().value());
        body.put("detail", detail);
        write(response, type.status().value(), MediaType.APPLICATION_PROBLEM_JSON_VALUE, body);
    }

    /** The Open Inference Protocol's error shape, for {@code /v2} paths. */
    static void protocolError(HttpServletResponse response, int status, String message) throws IOException {
        write(response, status, MediaType.APPLICATION_JSON_VALUE, Map.of("error", message));
    }

    private static void write(HttpServletResponse response, int status, String contentType, Object body)
            throws IOException {
        response.setStatus(status);
        response.setContentType(contentType);
        response.getWriter().write(JsonMapper.shared().writeValueAsString(body));
    }
}
