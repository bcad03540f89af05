package dev.digitserve.request;

import java.util.Arrays;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The one streaming reader of pixel data that both APIs use: reads a JSON array of numbers, flat or nested,
 * straight into a growable float block (no tree, no boxing: a 1,024-image request holds 800k numbers), and
 * records what it saw so that each API can phrase its own message.
 *
 * <p>Contract: {@link #read} starts on the parser's current token and always consumes the whole value
 * (array, object or scalar), so a caller can go on with the next value whatever was wrong with this one. It
 * never throws for bad data (only the parser's own errors, such as malformed JSON, escape). Numbers are kept
 * as floats (exact for 0..255 and for anything rounded to FP32 anyway), but the range checks are made on the
 * values as written, in double precision, so {@code 1.0000001} is outside [0, 1] although it rounds to 1f.
 * Not thread-safe: one reader per request.
 */
public final class NumericArrayReader {
    /** Deeper than any accepted image shape ([N, 1, 28, 28]) by a margin; deeper nesting is refused outright. */
    public static final int MAX_DEPTH = 8;

    private float[] values;
    private int size;

    public NumericArrayReader(int initialCapacity) {
        this.values = new float[Math.max(16, initialCapacity)];
    }

    /** What is structurally wrong with an array, for the API to phrase. */
    public enum ProblemKind {
        /** The value is not an array at all. */
        NOT_AN_ARRAY,
        /** Nested deeper than {@link #MAX_DEPTH}. */
        TOO_DEEP,
        /** Arrays of different lengths at one level, numbers and arrays mixed, or numbers at different depths. */
        IRREGULAR,
        /** An element that is a string, boolean, null or object. */
        NOT_A_NUMBER
    }

    /** The first structural problem: its kind and a client-safe description without advice ("element 3 is null"). */
    public record Problem(ProblemKind kind, String detail) {
    }

    /**
     * What one {@link #read} found.
     *
     * @param offset           where its numbers start in {@link #values()}
     * @param count            how many numbers it appended
     * @param nesting          the lengths of the nested arrays, outermost first ({@code [784]} flat,
     *                         {@code [2, 28, 28]} for two images written as rows); null when irregular
     * @param problem          the first structural problem, or null
     * @param firstOutsideUnit index (among its elements) of the first number not finite or outside [0, 1], or -1
     * @param outsideUnitValue that number, as read in double precision
     * @param outsideUnitText  that number as written
     * @param firstNotByte     index of the first number that is not an integer in [0, 255] written as one, or -1
     * @param notByteText      that number as written
     */
    public record Result(int offset, int count, int[] nesting, Problem problem, int firstOutsideUnit,
                         double outsideUnitValue, String outsideUnitText, int firstNotByte, String notByteText) {
    }

    /** The block all reads appended to; only the first {@link #size()} entries are meaningful. */
    public float[] values() {
        return values;
    }

    public int size() {
        return size;
    }

    /** Forgets everything appended after {@code newSize}: drops an element that turned out invalid. */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IllegalArgumentException("cannot truncate " + size + " values to " + newSize);
        }
        size = newSize;
    }

    /** The numbers read so far, as an array of exactly {@link #size()} (the block itself when it fits). */
    public float[] toArray() {
        return values.length == size ? values : Arrays.copyOf(values, size);
    }

    /**
     * Reads the value at the parser's current token. Tracks, per nesting depth, the length of the first array
     * seen and flags any array of a different length, numbers and arrays mixed at one level, or numbers at
     * different depths.
     */
    public Result read(JsonParser parser) {
        State state = new State(size);
        if (!parser.isExpectedStartArrayToken()) {
            state.problem(ProblemKind.NOT_AN_ARRAY, "is not an array");
            parser.skipChildren();
            return state.result();
        }
        // lengths[d]: elements so far in the open array at depth d (1 = the array itself)
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
        return state.result();
    }

    private void append(float value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = value;
    }

    /** What one read has seen so far. */
    private final class State {
        final int offset;
        /** Elements seen at the leaf level, numbers or not: the index of the next one. */
        int elements;
        final int[] dims = new int[MAX_DEPTH + 2];
        int maxDepth = 1;
        int leafDepth = -1;
        Problem problem;
        int firstOutsideUnit = -1;
        double outsideUnitValue;
        String outsideUnitText;
        int firstNotByte = -1;
        String notByteText;

        State(int offset) {
            this.offset = offset;
            Arrays.fill(dims, -1);
        }

        void problem(ProblemKind kind, String detail) {
            if (problem == null) {
                problem = new Problem(kind, detail);
            }
        }

        void enterArray(int depth) {
            maxDepth = Math.max(maxDepth, depth);
            if (depth > MAX_DEPTH) {
                problem(ProblemKind.TOO_DEEP, "is nested " + depth + " levels deep");
            } else if (leafDepth != -1 && depth > leafDepth) {
                problem(ProblemKind.IRREGULAR, "mixes numbers and arrays at nesting level " + leafDepth);
            }
        }

        void closeArray(int depth, int length) {
            if (depth > MAX_DEPTH) {
                return;
            }
            if (dims[depth] == -1) {
                dims[depth] = length;
            } else if (dims[depth] != length) {
                problem(ProblemKind.IRREGULAR, "has an array of " + length + " elements at nesting level " + depth
                        + " where an earlier one had " + dims[depth]);
            }
        }

        void number(JsonParser parser, JsonToken token, int depth) {
            leaf(depth);
            double value = parser.getDoubleValue();
            if (firstOutsideUnit < 0 && !(value >= 0 && value <= 1)) {
                firstOutsideUnit = elements;
                outsideUnitValue = value;
                outsideUnitText = parser.getString();
            }
            if (firstNotByte < 0 && (token != JsonToken.VALUE_NUMBER_INT || !(value >= 0 && value <= 255))) {
                firstNotByte = elements;
                notByteText = parser.getString();
            }
            append((float) value);
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
            problem(ProblemKind.NOT_A_NUMBER, "element " + elements + " is " + what + ", not a number");
            elements++;
        }

        private void leaf(int depth) {
            if (leafDepth == -1) {
                leafDepth = depth;
                if (maxDepth > depth) {
                    problem(ProblemKind.IRREGULAR, "mixes numbers and arrays at nesting level " + depth);
                }
            } else if (leafDepth != depth) {
                problem(ProblemKind.IRREGULAR, "has numbers at nesting levels " + leafDepth + " and " + depth);
            }
        }

        Result result() {
            int[] nesting = null;
            if (problem == null && maxDepth <= MAX_DEPTH) {
                nesting = new int[maxDepth];
                for (int d = 1; d <= maxDepth; d++) {
                    nesting[d - 1] = Math.max(0, dims[d]);
                }
            }
            return new Result(offset, size - offset, nesting, problem, firstOutsideUnit, outsideUnitValue,
                    outsideUnitText, firstNotByte, notByteText);
        }

        private static String abbreviate(String text) {
            return text.length() <= 20 ? text : text.substring(0, 20) + "...";
        }
    }
}
