package dev.digitserve.web;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitserve.shutdown.*}: how the service lets its HTTP clients go when it stops.
 *
 * @param drainTime at most this long, after SIGTERM and before Spring's graceful shutdown of the web server
 *                  begins, the service keeps answering requests on connections that are already open, each
 *                  answer with {@code Connection: close}, so that busy keep-alive clients learn to stop reusing
 *                  their connection before it is closed. The drain ends sooner once every connection has been
 *                  closed. Connections still open at the end were idle for the whole drain and are closed by
 *                  the web server's shutdown. Zero skips the wait.
 */
@ConfigurationProperties("digitserve.shutdown")
public record ShutdownProperties(@DefaultValue("2s") Duration drainTime) {

    public ShutdownProperties {
        if (drainTime == null || drainTime.isNegative()) {
            throw new IllegalArgumentException("digitserve.shutdown.drain-time must be zero or positive, was "
                    + drainTime);
        }
    }
}
