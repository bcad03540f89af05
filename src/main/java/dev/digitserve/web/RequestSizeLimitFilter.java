package dev.digitserve.web;

import java.io.IOException;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.digitserve.datasets.DatasetsProperties;
import dev.digitserve.request.RequestTooLargeException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Refuses request bodies over {@code digitserve.web.max-request-size} with 413: at once when the
 * {@code Content-Length} says so, and while reading when a chunked body grows past it. Multipart uploads
 * are limited the same way by {@code spring.servlet.multipart.*}. Dataset uploads ({@code POST /api/v1/datasets})
 * get {@code digitserve.datasets.max-archive-size} plus room for the multipart framing instead; the datasets
 * feature checks the parts themselves against that limit.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class RequestSizeLimitFilter extends OncePerRequestFilter {
    /** Boundaries, part headers and the name field of a dataset upload. */
    private static final long MULTIPART_FRAMING = 64 * 1024;

    private final long defaultLimit;
    private final long datasetLimit;

    /** Without the datasets feature (web slice tests) dataset uploads get the default limit too. */
    RequestSizeLimitFilter(WebProperties properties, ObjectProvider<DatasetsProperties> datasets) {
        this.defaultLimit = properties.maxRequestSize().toBytes();
        DatasetsProperties datasetProperties = datasets.getIfAvailable();
        this.datasetLimit = datasetProperties == null ? defaultLimit
                : Math.max(defaultLimit, datasetProperties.maxArchiveSize().toBytes() + MULTIPART_FRAMING);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = "POST".equals(request.getMethod()) && "/api/v1/datasets".equals(Api.path(request))
                ? datasetLimit : defaultLimit;
        if (request.getContentLengthLong() > limit) {
            String detail = "the request body is " + request.getContentLengthLong() + " bytes; the limit is "
                    + limit + " bytes";
            // Tomcat would otherwise try to swallow the oversized body before closing
            response.setHeader("Connection", "close");
            ErrorRenderer.write(response, ApiError.of(ProblemType.PAYLOAD_TOO_LARGE, detail), Api.of(request));
            return;
        }
        chain.doFilter(request.getContentLengthLong() < 0 ? new LimitedRequest(request, limit) : request, response);
    }

    /** Counts the bytes of a body of unknown length and fails once it passes the limit. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {
        private final long limit;
        private ServletInputStream stream;

        LimitedRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedStream(super.getInputStream(), limit);
            }
            return stream;
        }
    }

    private static final class LimitedStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long read;

        LimitedStream(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws RequestTooLargeException {
            read += n;
            if (read > limit) {
                throw new RequestTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
