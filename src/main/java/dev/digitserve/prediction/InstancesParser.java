package dev.digitserve.prediction;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.web.FieldError;
import dev.digitserve.web.InvalidRequestException;
import dev.digitserve.web.RequestTooLargeException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads {@code {"instances": [...]}} straight into one float block with Jackson's streaming parser:
 * no tree, no boxing, which matters because JSON decoding is the costliest step of a small request.
 *
 * <p>Each instance is either 784 numbers or 28 rows of 28 numbers, every value finite and in [0, 1].
 * Every violation is reported with a JSON pointer to the offending instance (up to
 * {@value #MAX_REPORTED_ERRORS} of them), so a client can fix all of them at once. Fields other than
 * {@code instances} are ignored.
 */
public final class InstancesParser {
    static final int MAX_REPORTED_ERRORS = 20;
    private static final int SIDE = 28;

    private final JsonMapper json;
    private final int maxInstances;

    public InstancesParser(JsonMapper json, int maxInstances) {
        this.json = json;
        this.maxInstances = maxInstances;
    }

    public Instances parse(InputStream body) {
        try (JsonParser parser = json.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRequestException("the body must be a JSON object with an \"instances\" array",
                        List.of(new FieldError("", "expected a JSON object")));
            }
            Instances instances = null;
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if ("instances".equals(field)) {
                    instances = readInstances(parser);
                } else {
                    parser.skipChildren();
                }
            }
            if (instances == null) {
                throw new InvalidRequestException("the body has no \"instances\" array",
                        List.of(new FieldError("/instances", "required")));
            }
            return instances;
        } catch (JacksonIOException e) {
            RequestTooLargeException tooLarge = RequestTooLargeException.findIn(e);
            if (tooLarge != null) {
                throw new UncheckedIOException(tooLarge);
            }
            throw new InvalidRequestException("the request body could not be read");
        } catch (JacksonException e) {
            throw new InvalidRequestException("malformed JSON: " + e.getOriginalMessage() + locationOf(e));
        }
    }

    private static String locationOf(JacksonException e) {
        var location = e.getLocation();
        return location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private Instances readInstances(JsonParser parser) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidRequestException("\"instances\" must be an array of images",
                    List.of(new FieldError("/instances", "expected an array")));
        }
        int instancesDepth = parser.streamReadContext().getNestingDepth();
        float[] pixels = new float[Math.min(maxInstances, 64) * InferenceEngine.INPUT_SIZE];
        List<FieldError> errors = new ArrayList<>();
        int count = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (count == maxInstances) {
                throw new InvalidRequestException("too many instances: at most " + maxInstances + " per request",
                        List.of(new FieldError("/instances", "more than " + maxInstances + " instances")));
            }
            if (pixels.length < (count + 1) * InferenceEngine.INPUT_SIZE) {
                pixels = Arrays.copyOf(pixels, Math.min(maxInstances, count * 2) * InferenceEngine.INPUT_SIZE);
            }
            String error = readInstance(parser, pixels, count * InferenceEngine.INPUT_SIZE);
            if (error != null) {
                if (errors.size() < MAX_REPORTED_ERRORS) {
                    errors.add(new FieldError("/instances/" + count, error));
                }
                skipRestOfInstance(parser, instancesDepth);
            }
            count++;
        }
        if (count == 0) {
            throw new InvalidRequestException("\"instances\" is empty: send at least one image",
                    List.of(new FieldError("/instances", "empty")));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors.size() == 1 ? "1 instance is invalid"
                    : errors.size() + (errors.size() == MAX_REPORTED_ERRORS ? " or more" : "") + " instances are invalid",
                    errors);
        }
        return new Instances(count * InferenceEngine.INPUT_SIZE == pixels.length ? pixels
                : Arrays.copyOf(pixels, count * InferenceEngine.INPUT_SIZE), count);
    }

    /** Reads one instance into {@code pixels[offset..]}; returns an error message, or null when valid. */
    private static String readInstance(JsonParser parser, float[] pixels, int offset) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            return "expected an array of 784 numbers or 28 rows of 28 numbers";
        }
        JsonToken first = parser.nextToken();
        if (first == JsonToken.START_ARRAY) {
            int row = 0;
            for (JsonToken t = first; t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                if (t != JsonToken.START_ARRAY) {
                    return "row " + row + " is not an array of 28 numbers";
                }
                if (row == SIDE) {
                    return "more than 28 rows";
                }
                String error = readNumbers(parser, pixels, offset + row * SIDE, SIDE, "row " + row + " ");
                if (error != null) {
                    return error;
                }
                row++;
            }
            return row == SIDE ? null : "expected 28 rows of 28 numbers, got " + row + " rows";
        }
        return readNumbersFrom(parser, first, pixels, offset, InferenceEngine.INPUT_SIZE, "");
    }

    private static String readNumbers(JsonParser parser, float[] pixels, int offset, int expected, String where) {
        return readNumbersFrom(parser, parser.nextToken(), pixels, offset, expected, where);
    }

    /** Reads numbers up to the closing bracket; returns an error message or null. Leaves the parser on END_ARRAY when valid. */
    private static String readNumbersFrom(JsonParser parser, JsonToken token, float[] pixels, int offset,
                                          int expected, String where) {
        int n = 0;
        for (JsonToken t = token; t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
                return where + "value " + n + " is not a number";
            }
            if (n == expected) {
                return where + "has more than " + expected + " values";
            }
            double value = parser.getDoubleValue();
            if (!Double.isFinite(value) || value < 0 || value > 1) {
                return where + "value " + n + " is " + value + ", outside [0, 1]";
            }
            pixels[offset + n++] = (float) value;
        }
        if (n != expected) {
            return expected == InferenceEngine.INPUT_SIZE
                    ? "expected 784 numbers or 28 rows of 28 numbers, got " + n + " numbers"
                    : where + "has " + n + " values, expected " + expected;
        }
        return null;
    }

    /**
     * After an error somewhere inside an instance, advances to that instance's last token, so that the
     * next instance can still be checked. {@code instancesDepth} is the nesting depth inside the
     * {@code instances} array.
     */
    private static void skipRestOfInstance(JsonParser parser, int instancesDepth) {
        while (parser.streamReadContext().getNestingDepth() > instancesDepth) {
            parser.nextToken();
        }
    }
}
