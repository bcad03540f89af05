package dev.digitserve.web;

import java.io.IOException;
import java.util.function.Supplier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The request side of {@link ShutdownDrain}. While the service drains, every response carries
 * {@code Connection: close}, so a keep-alive client stops reusing its connection before the server closes it; the
 * request itself is served normally. Once the drain is over, a request that still reaches the application is
 * refused with 503, {@code Retry-After: 1} and {@code Connection: close}: {@code {"error"}} on {@code /v2}, problem
 * details of type {@link ProblemType#UNAVAILABLE} elsewhere.
 *
 * <p>It runs first, and on async dispatches too: predictions complete asynchronously, and their response is
 * written in the async dispatch, which may come after the drain began although the request came before.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class DrainFilter extends OncePerRequestFilter {
    private final Supplier<ShutdownDrain.State> state;

    @Autowired
    DrainFilter(ShutdownDrain drain) {
        this(drain::state);
    }

    DrainFilter(Supplier<ShutdownDrain.State> state) {
        this.state = state;
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ShutdownDrain.State state = this.state.get();
        if (state != ShutdownDrain.State.SERVING) {
            response.setHeader(HttpHeaders.CONNECTION, "close");
            // a request already accepted (its async dispatch) is always answered
            if (state == ShutdownDrain.State.CLOSED && !isAsyncDispatch(request)) {
                refuse(request, response);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    private static void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ErrorRenderer.write(response, ApiError.retryAfter(ProblemType.UNAVAILABLE,
                "the service is shutting down; retry the request later or against another instance", 1),
                Api.of(request));
    }
}
