package dev.digitserve.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Which API a request speaks, chosen by its path alone so that an error can never come out in the other
 * API's shape: {@code /v2} and below is the Open Inference Protocol ({@code {"error": ...}}), everything else
 * the v1 API and the service's own endpoints (problem details).
 */
public enum Api {
    V1, V2;

    public static Api of(HttpServletRequest request) {
        String path = path(request);
        return path.equals("/v2") || path.startsWith("/v2/") ? V2 : V1;
    }

    /** The request path without the context path. */
    static String path(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
    }
}
