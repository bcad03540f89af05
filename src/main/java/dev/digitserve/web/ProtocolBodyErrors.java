package dev.digitserve.web;

import java.util.List;

import org.springframework.http.converter.HttpMessageNotReadableException;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Turns Spring's and Jackson's reasons for an unreadable V2 inference request body into a message that names the
 * JSON field ({@code inputs[0].shape}), the way the protocol's clients expect. Never quotes internal type names.
 */
final class ProtocolBodyErrors {
    private ProtocolBodyErrors() {
    }

    static String describe(HttpMessageNotReadableException e) {
        JacksonException jackson = find(e);
        if (jackson == null) {
            return "the request body is missing: send an inference request, {\"inputs\": [{\"name\": \"input\", "
                    + "\"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": [...]}]}";
        }
        if (jackson instanceof MismatchedInputException mismatch) {
            String path = path(mismatch.getPath());
            if (path.isEmpty()) {
                return "the request body must be a JSON object: {\"inputs\": [...]}";
            }
            return path + ": " + expected(mismatch.getPath());
        }
        return "malformed JSON: " + clean(jackson.getOriginalMessage()) + location(jackson);
    }

    private static JacksonException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JacksonException jackson) {
                return jackson;
            }
        }
        return null;
    }

    /** {@code inputs[0].shape}: the JSON path a client recognises. */
    static String path(List<JacksonException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : references) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String expected(List<JacksonException.Reference> references) {
        JacksonException.Reference last = references.get(references.size() - 1);
        String field = last.getPropertyName();
        if (field == null && references.size() >= 2) {
            String list = references.get(references.size() - 2).getPropertyName();
            return "inputs".equals(list) ? "must be a tensor object with name, shape, datatype and data"
                    : "outputs".equals(list) ? "must be an object with a \"name\"" : "has the wrong JSON type";
        }
        if (field == null) {
            return "has the wrong JSON type";
        }
        return switch (field) {
            case "id", "name", "datatype" -> "must be a string";
            case "parameters" -> "must be an object of parameters";
            case "inputs" -> "must be an array holding one input tensor";
            case "outputs" -> "must be an array of objects with a \"name\"";
            default -> "has the wrong JSON type";
        };
    }

    /** Jackson's message without its source description (which can name internal types). */
    private static String clean(String message) {
        if (message == null) {
            return "unreadable input";
        }
        String firstLine = message.lines().findFirst().orElse("");
        return firstLine.replaceAll("\\s*\\(start marker at \\[Source:.*?]\\)", "")
                .replaceAll("\\s*at \\[Source:.*?]", "")
                .replaceAll("\\s*\\[Source:.*?]", "")
                // "enable `JsonReadFeature.X` to allow": a server setting, not something the client can do
                .replaceAll(":?\\s*enable `[^`]*` to allow", "")
                .strip();
    }

    private static String location(JacksonException e) {
        var location = e.getLocation();
        return location == null || location.getLineNr() < 0 ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
