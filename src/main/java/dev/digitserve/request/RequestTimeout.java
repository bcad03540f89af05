package dev.digitserve.request;

import java.time.Duration;
import java.util.List;

/**
 * The client's own deadline, header {@value #HEADER}: a positive number of milliseconds that may only
 * shorten {@code digitserve.batching.request-timeout}. Shared by the v1 and V2 APIs.
 */
public final class RequestTimeout {
    public static final String HEADER = "X-Request-Timeout-Ms";

    private RequestTimeout() {
    }

    /** @return null when the header is absent; throws {@link InvalidRequestException} when it is not valid */
    public static Duration parse(String header) {
        if (header == null) {
            return null;
        }
        try {
            long millis = Long.parseLong(header.strip());
            if (millis > 0) {
                return Duration.ofMillis(millis);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidRequestException(HEADER + " must be a positive number of milliseconds",
                List.of(new FieldError(HEADER, "not a positive integer")));
    }
}
