package dev.digitserve.prediction;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import dev.digitserve.inference.Images;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.InvalidRequestException;
import dev.digitserve.request.NumericArrayReader;
import dev.digitserve.request.RequestTooLargeException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the v1 body {@code {"instances": [...]}} into {@link Images} with the shared streaming
 * {@link NumericArrayReader}; this class only decides what a valid instance is and phrases the v1 messages.
 *
 * <p>Each instance is either 784 numbers or 28 rows of 28 numbers, every value finite and in [0, 1].
 * Every violation is reported with a JSON pointer to the offending instance (up to
 * {@value #MAX_REPORTED_ERRORS} of them), so a client can fix all of them at once. Fields other than
 * {@code instances} are ignored. Thread-safe (a new reader per call).
 */
final class InstancesParser {
    static final int MAX_REPORTED_ERRORS = 20;

    private final JsonMapper json;
    private final int maxInstances;

    InstancesParser(JsonMapper json, int maxInstances) {
        this.json = json;
        this.maxInstances = maxInstances;
    }

    Images parse(InputStream body) {
        try (JsonParser parser = json.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRequestException("the body must be a JSON object with an \"instances\" array",
                        List.of(new FieldError("", "expected a JSON object")));
            }
            Images images = null;
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if ("instances".equals(field)) {
                    images = readInstances(parser);
                } else {
                    parser.skipChildren();
                }
            }
            if (images == null) {
                throw new InvalidRequestException("the body has no \"instances\" array",
                        List.of(new FieldError("/instances", "required")));
            }
            return images;
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

    private Images readInstances(JsonParser parser) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidRequestException("\"instances\" must be an array of images",
                    List.of(new FieldError("/instances", "expected an array")));
        }
        // room for one image: most requests carry one, and a 64-image block (200 KB, zeroed) per request cost
        // about 4% of the server's CPU at 64 clients; the reader doubles its block for larger requests
        NumericArrayReader reader = new NumericArrayReader(Images.PIXELS);
        List<FieldError> errors = new ArrayList<>();
        int count = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (count == maxInstances) {
                throw new InvalidRequestException("too many instances: at most " + maxInstances + " per request",
                        List.of(new FieldError("/instances", "more than " + maxInstances + " instances")));
            }
            NumericArrayReader.Result instance = reader.read(parser);
            String error = problemWith(instance);
            if (error != null) {
                reader.truncate(instance.offset());
                if (errors.size() < MAX_REPORTED_ERRORS) {
                    errors.add(new FieldError("/instances/" + count, error));
                }
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
        return new Images(reader.toArray(), count);
    }

    /** The v1 message for what is wrong with one instance, or null when it is a valid image. */
    private static String problemWith(NumericArrayReader.Result instance) {
        NumericArrayReader.Problem problem = instance.problem();
        if (problem != null) {
            return switch (problem.kind()) {
                case NOT_AN_ARRAY -> "expected an array of 784 numbers or 28 rows of 28 numbers";
                case NOT_A_NUMBER -> problem.detail();
                case TOO_DEEP, IRREGULAR -> "expected 784 numbers or 28 rows of 28 numbers; the instance "
                        + problem.detail();
            };
        }
        int[] nesting = instance.nesting();
        boolean rows = nesting.length == 2;
        if (nesting.length == 1 && nesting[0] != Images.PIXELS) {
            return "expected 784 numbers or 28 rows of 28 numbers, got " + nesting[0] + " numbers";
        }
        if (rows && (nesting[0] != Images.SIDE || nesting[1] != Images.SIDE)) {
            return "expected 28 rows of 28 numbers, got " + nesting[0] + " rows of " + nesting[1] + " numbers";
        }
        if (nesting.length > 2) {
            return "expected 784 numbers or 28 rows of 28 numbers, got arrays nested " + nesting.length + " deep";
        }
        if (instance.firstOutsideUnit() >= 0) {
            int at = instance.firstOutsideUnit();
            String where = rows ? "row " + at / Images.SIDE + " value " + at % Images.SIDE : "value " + at;
            return where + " is " + instance.outsideUnitValue() + ", outside [0, 1]";
        }
        return null;
    }
}
