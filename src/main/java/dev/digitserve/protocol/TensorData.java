package dev.digitserve.protocol;

import java.util.Arrays;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;

/**
 * The {@code data} of a request tensor as it arrived: its numbers in row-major order, the nesting it
 * was written in, and the first thing wrong with it. Reading it never fails: whatever is wrong is
 * recorded here, and {@link InputTensor} decides what to tell the client once it knows the shape and
 * datatype (which may follow {@code data} in the JSON object).
 *
 * <p>The numbers are kept as floats (exact for 0..255 and for anything rounded to FP32 anyway), but the
 * range checks are made on the values as written, in double precision, so {@code 1.0000001} is out of
 * [0, 1] even though it rounds to 1f.
 */
final class TensorData {
    /** Deeper than any accepted shape ([N, 1, 28, 28]) by a margin; deeper nesting is refused outright. */
    static final int MAX_DEPTH = 8;

    private final float[] values;
    private final int count;
    private final int[] nesting;
    private final String problem;
    private final int firstOutsideUnit;
    private final String outsideUnitText;
    private final int firstNotByte;
    private final String notByteText;

    private TensorData(Reader.State state) {
        this.values = state.values;
        this.count = state.count;
        this.nesting = state.nesting();
        this.problem = state.problem;
        this.firstOutsideUnit = state.firstOutsideUnit;
        this.outsideUnitText = state.outsideUnitText;
        this.firstNotByte = state.firstNotByte;
        this.notByteText = state.notByteText;
    }

    /** How many numbers there are. */
    int count() {
        return count;
    }

    /** The numbers, row-major; only the first {@link #count()} entries are meaningful. */
    float[] values() {
        return values;
    }

    /**
     * The lengths of the nested arrays, outermost first: {@code [784]} for flat data, {@code [2, 28, 28]}
     * for two images written as rows. Null when the nesting is irregular (see {@link #problem()}).
     */
    int[] nesting() {
        return nesting == null ? null : nesting.clone();
    }

    /** What is structurally wrong (not an array, an element that is not a number, ragged nesting), or null. */
    String problem() {
        return problem;
    }

    /** Flat index of the first value that is not finite or lies outside [0, 1], or -1. */
    int firstOutsideUnit() {
        return firstOutsideUnit;
    }

    String outsideUnitText() {
        return outsideUnitText;
    }

    /** Flat index of the first value that is not an integer in [0, 255] written as an integer, or -1. */
    int firstNotByte() {
        return firstNotByte;
    }

    String notByteText() {
        return notByteText;
    }

    /**
     * Streams {@code data} straight into a float block (no tree, no boxing: a 1,024-image request has
     * 800k numbers). Tracks, per nesting depth, the length of the first array seen and flags any array
     * of a different length, numbers and arrays mixed at one level, or numbers at different depths.
     */
    static final class Reader extends ValueDeserializer<TensorData> {

        @Override
        public TensorData deserialize(JsonParser parser, DeserializationContext context) {
            State state = new State();
            if (!parser.isExpectedStartArrayToken()) {
                state.problem("must be an array of numbers, flat or nested like the shape");
                parser.skipChildren();
                return new TensorData(state);
            }
            // lengths[d]: elements so far in the open array at depth d (1 = the data array itself)
            int[] lengths = new int[MAX_DEPTH + 2];
            int depth = 1;
            while (depth > 0) {
                JsonToken token = parser.nextToken();
                if (token == null) {
                    break; // end of input: the parser reports the truncated document itself
                }
                switch (token) {
                    case START_ARRAY -> {
                        lengths[Math.min(depth, MAX_DEPTH + 1)]++;
                        depth++;
                        state.enterArray(depth);
                        if (depth <= MAX_DEPTH + 1) {
                            lengths[depth] = 0;
                        }
                    }
                    case END_ARRAY -> {
                        state.closeArray(depth, lengths[Math.min(depth, MAX_DEPTH + 1)]);
                        depth--;
                    }
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                        lengths[Math.min(depth, MAX_DEPTH + 1)]++;
                        state.number(parser, token, depth);
                    }
                    default -> {
                        lengths[Math.min(depth, MAX_DEPTH + 1)]++;
                        state.notANumber(parser, token, depth);
                        if (token == JsonToken.START_OBJECT) {
                            parser.skipChildren();
                        }
                    }
                }
            }
            return new TensorData(state);
        }

        /** What the reader has seen so far. */
        static final class State {
            float[] values = new float[InputTensor.PIXELS];
            int count;
            /** Elements seen at the leaf level, numbers or not: the flat index of the next one. */
            int elements;
            final int[] dims = new int[MAX_DEPTH + 2];
            int maxDepth = 1;
            int leafDepth = -1;
            String problem;
            int firstOutsideUnit = -1;
            String outsideUnitText;
            int firstNotByte = -1;
            String notByteText;

            State() {
                Arrays.fill(dims, -1);
            }

            void problem(String message) {
                if (problem == null) {
                    problem = message;
                }
            }

            void enterArray(int depth) {
                maxDepth = Math.max(maxDepth, depth);
                if (depth > MAX_DEPTH) {
                    problem("is nested " + depth + " levels deep; no accepted shape has more than 4 dimensions");
                } else if (leafDepth != -1 && depth > leafDepth) {
                    ragged("mixes numbers and arrays at nesting level " + leafDepth);
                }
            }

            void closeArray(int depth, int length) {
                if (depth > MAX_DEPTH) {
                    return;
                }
                if (dims[depth] == -1) {
                    dims[depth] = length;
                } else if (dims[depth] != length) {
                    ragged("has an array of " + length + " elements at nesting level " + depth
                            + " where an earlier one had " + dims[depth]);
                }
            }

            void number(JsonParser parser, JsonToken token, int depth) {
                leaf(depth);
                double value = parser.getDoubleValue();
                if (count == values.length) {
                    values = Arrays.copyOf(values, values.length * 2);
                }
                if (firstOutsideUnit < 0 && !(value >= 0 && value <= 1)) {
                    firstOutsideUnit = elements;
                    outsideUnitText = parser.getString();
                }
                if (firstNotByte < 0 && (token != JsonToken.VALUE_NUMBER_INT || !(value >= 0 && value <= 255))) {
                    firstNotByte = elements;
                    notByteText = parser.getString();
                }
                values[count++] = (float) value;
                elements++;
            }

            void notANumber(JsonParser parser, JsonToken token, int depth) {
                leaf(depth);
                String what = switch (token) {
                    case VALUE_STRING -> "the string \"" + abbreviate(parser.getString()) + "\"";
                    case VALUE_TRUE, VALUE_FALSE -> token.asString();
                    case VALUE_NULL -> "null";
                    case START_OBJECT -> "an object";
                    default -> "not a number";
                };
                problem("element " + elements + " is " + what + ", not a number");
                elements++;
            }

            private void leaf(int depth) {
                if (leafDepth == -1) {
                    leafDepth = depth;
                    if (maxDepth > depth) {
                        ragged("mixes numbers and arrays at nesting level " + depth);
                    }
                } else if (leafDepth != depth) {
                    ragged("has numbers at nesting levels " + leafDepth + " and " + depth);
                }
            }

            private void ragged(String detail) {
                problem("is not a regular nested array: it " + detail
                        + "; nest the data exactly like the shape, or send it flat");
            }

            int[] nesting() {
                if (problem != null || maxDepth > MAX_DEPTH) {
                    return null;
                }
                int[] nesting = new int[maxDepth];
                for (int d = 1; d <= maxDepth; d++) {
                    nesting[d - 1] = Math.max(0, dims[d]);
                }
                return nesting;
            }

            private static String abbreviate(String text) {
                return text.length() <= 20 ? text : text.substring(0, 20) + "...";
            }
        }
    }
}
