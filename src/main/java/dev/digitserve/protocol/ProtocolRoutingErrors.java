package dev.digitserve.protocol;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code {"error": "..."}} for requests under {@code /v2} that reach no protocol endpoint at all: an
 * unknown path (404), a wrong method (405, with {@code Allow}), an unacceptable {@code Accept} (406).
 * These fail before a controller is chosen, so {@link ProtocolErrorAdvice}, which is scoped to the
 * protocol's controllers, never sees them, and the service-wide advice would answer with problem details.
 * Everything else, and every path outside {@code /v2}, is left to the other resolvers.
 */
@Component
class ProtocolRoutingErrors implements HandlerExceptionResolver, Ordered {
    private static final Logger log = LoggerFactory.getLogger(ProtocolRoutingErrors.class);

    private final JsonMapper json;

    ProtocolRoutingErrors(JsonMapper json) {
        this.json = json;
    }

    @Override
    public int getOrder() {
        // after Spring Boot's DefaultErrorAttributes (which only records the exception), before everything else
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }

    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
                                         Exception e) {
        if (handler instanceof HandlerMethod || !(e instanceof ErrorResponse spring) || !isProtocolPath(request)
                || response.isCommitted()) {
            return null;
        }
        int status = spring.getStatusCode().value();
        String message = switch (status) {
            case 404 -> "no such endpoint: " + request.getMethod() + " " + path(request)
                    + "; the protocol's endpoints are /v2, /v2/health/{live,ready} and /v2/models/{name}[/versions/{version}][/ready|/infer]";
            case 405 -> "method " + request.getMethod() + " is not allowed on " + path(request)
                    + (spring.getHeaders().getAllow().isEmpty() ? "" : "; allowed: " + spring.getHeaders().getAllow());
            default -> spring.getBody().getDetail() != null ? spring.getBody().getDetail() : "request refused";
        };
        try {
            response.setStatus(status);
            spring.getHeaders().forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.setCharacterEncoding("UTF-8");
            response.getWriter().write(json.writeValueAsString(new ProtocolError(message)));
            return new ModelAndView();
        } catch (IOException | RuntimeException writeFailure) {
            log.debug("could not write the protocol error for {}", path(request), writeFailure);
            return null;
        }
    }

    private static boolean isProtocolPath(HttpServletRequest request) {
        String path = path(request);
        return path.equals("/v2") || path.startsWith("/v2/");
    }

    private static String path(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
    }
}
