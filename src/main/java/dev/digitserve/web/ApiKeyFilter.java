package dev.digitserve.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.util.List;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * API keys for write operations: every POST, PUT and DELETE under {@code /api/v1} except prediction (predict,
 * read, embeddings) and preprocessing, and the V2 model repository extension under {@code /v2/repository}, and
 * (when {@code require-key-for-prediction}) those and V2 inference too. Missing key: 401; wrong key: 403; no keys
 * configured: 403 unless {@code allow-anonymous-writes}. Keys are compared as SHA-256
 * digests with {@link MessageDigest#isEqual}, which takes the same time wherever they differ, and are
 * never logged. Refusals come in the request's API shape (problem details on v1, {@code {"error"}} on V2).
 * {@code /actuator/health} stays open to all; a valid key there only unlocks its component details.
 *
 * <p>A servlet filter rather than Spring Security: the whole policy is "one header on some routes", and
 * a filter keeps it in one readable place without Spring Security's defaults to switch off.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class ApiKeyFilter extends OncePerRequestFilter {
    static final String HEADER = "X-API-Key";
    private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);
    private static final Pattern PREDICTION = Pattern.compile(
            "/api/v1/models/[^/]+(/versions/[^/]+)?/(predict|read|embeddings)|/v2/models/[^/]+(/versions/[^/]+)?/infer"
            // preprocessing is the first half of a prediction, so it is guarded like one
            + "|/api/v1/preprocess");

    private final List<byte[]> keyDigests;
    private final SecurityProperties properties;

    ApiKeyFilter(SecurityProperties properties) {
        this.properties = properties;
        this.keyDigests = properties.apiKeys().stream().map(ApiKeyFilter::digest).toList();
        if (keyDigests.isEmpty() && !properties.allowAnonymousWrites()) {
            log.warn("No API keys configured: training and model-management endpoints refuse every request."
                    + " Set DIGITSERVE_SECURITY_API_KEYS=<key> (or digitserve.security.api-keys), or for local"
                    + " development --digitserve.security.allow-anonymous-writes=true");
        } else {
            log.info("API keys: {} configured{}", keyDigests.size(),
                    properties.allowAnonymousWrites() && keyDigests.isEmpty() ? ", anonymous writes allowed" : "");
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (isHealth(request)) {
            chain.doFilter(authenticatedIfKeyed(request), response);
            return;
        }
        if (!needsKey(request)) {
            chain.doFilter(request, response);
            return;
        }
        if (keyDigests.isEmpty()) {
            if (properties.allowAnonymousWrites()) {
                chain.doFilter(request, response);
            } else {
                refuse(request, response, ProblemType.FORBIDDEN, "this endpoint needs an API key, and none is configured"
                        + " on the server; the operator sets digitserve.security.api-keys");
            }
            return;
        }
        String key = request.getHeader(HEADER);
        if (key == null || key.isEmpty()) {
            refuse(request, response, ProblemType.UNAUTHORIZED, "send an API key in the " + HEADER + " header");
            return;
        }
        if (accepted(key)) {
            chain.doFilter(request, response);
        } else {
            refuse(request, response, ProblemType.FORBIDDEN, "the API key is not accepted");
        }
    }

    private boolean accepted(String key) {
        byte[] presented = digest(key);
        boolean accepted = false;
        for (byte[] known : keyDigests) {
            accepted |= MessageDigest.isEqual(known, presented);
        }
        return accepted;
    }

    private static boolean isHealth(HttpServletRequest request) {
        String path = Api.path(request);
        return path.equals("/actuator/health") || path.startsWith("/actuator/health/");
    }

    /**
     * Health is public, but Actuator shows its components and details ({@code show-details: when-authorized})
     * only to an authenticated caller: a request with a valid key is given a principal, any other stays anonymous.
     */
    private HttpServletRequest authenticatedIfKeyed(HttpServletRequest request) {
        String key = request.getHeader(HEADER);
        if (key == null || key.isEmpty() || keyDigests.isEmpty() || !accepted(key)) {
            return request;
        }
        Principal operator = () -> "api-key";
        return new HttpServletRequestWrapper(request) {
            @Override
            public Principal getUserPrincipal() {
                return operator;
            }
        };
    }

    private boolean needsKey(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (PREDICTION.matcher(path).matches()) {
            return properties.requireKeyForPrediction();
        }
        HttpMethod method = HttpMethod.valueOf(request.getMethod());
        boolean write = method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.DELETE
                || method == HttpMethod.PATCH;
        // the V2 repository extension (index, load, unload) changes or reveals what is loaded, like v1 model writes
        return write && (path.startsWith("/api/") || path.startsWith("/v2/repository/"));
    }

    /** In the shape of the API the request spoke: problem details on v1, {@code {"error"}} on V2. */
    private static void refuse(HttpServletRequest request, HttpServletResponse response, ProblemType type,
                               String detail) throws IOException {
        ApiError error = ApiError.of(type, detail);
        if (type == ProblemType.UNAUTHORIZED) {
            error = error.withHeader("WWW-Authenticate", "ApiKey header=\"" + HEADER + "\"");
        }
        ErrorRenderer.write(response, error, Api.of(request));
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }
}
