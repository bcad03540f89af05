package dev.digitserve.request;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import tools.jackson.databind.json.JsonMapper;

/**
 * A real MNIST test digit (a 7) for the OpenAPI examples of both APIs, so that Swagger UI's "Try it out"
 * sends something meaningful. Read from {@code /openapi/example-seven.json} in the jar.
 */
public final class ExampleRequests {
    private ExampleRequests() {
    }

    /** The v1 {@code instances} value: one image, the 7, as 28 rows of 28 values in [0, 1], as plain lists (springdoc writes the document with its own mapper). */
    public static List<?> mnistSevenInstances(JsonMapper json) {
        try (InputStream in = ExampleRequests.class.getResourceAsStream("/openapi/example-seven.json")) {
            return (List<?>) json.readValue(in, java.util.Map.class).get("instances");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
