package dev.digitserve.request;

import java.io.IOException;

/**
 * A request body grew past the configured limit while it was being read (413). An IOException so that it
 * travels through stream readers; {@link #findIn} digs it out of whatever wrapped it.
 */
public class RequestTooLargeException extends IOException {
    public RequestTooLargeException(long limit) {
        super("the request body is larger than the limit of " + limit + " bytes");
    }

    public static RequestTooLargeException findIn(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RequestTooLargeException tooLarge) {
                return tooLarge;
            }
        }
        return null;
    }
}
