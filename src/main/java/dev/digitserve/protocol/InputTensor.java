package dev.digitserve.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.digitserve.inference.Images;
import dev.digitserve.request.FieldError;
import dev.digitserve.request.NumericArrayReader;
import dev.digitserve.request.InvalidRequestException;
import tools.jackson.databind.JsonNode;

/**
 * The one input tensor of a request, checked and turned into the engine's pixel block: {@code count}
 * images of 784 floats in [0, 1], row-major.
 *
 * <p>Accepted: exactly one tensor named {@code input}; datatype {@code FP32} or {@code FP64} with values
 * in [0, 1], or {@code UINT8} with integers 0..255 (divided by 255); shape {@code [N, 784]},
 * {@code [N, 28, 28]} or {@code [N, 1, 28, 28]} with 1 &lt;= N &lt;= the configured maximum; {@code data}
 * flat with exactly the shape's element count, or nested exactly like the shape; or, instead of {@code data},
 * the elements as little-endian bytes of the datatype's size (binary tensor data extension, gRPC raw contents),
 * or gRPC's typed contents. Strings are
 * case-sensitive, as the protocol says. Anything else is an {@link InvalidRequestException} whose message
 * names the field ({@code inputs[0].shape}) and says what to send instead; the first problem found is
 * reported.
 */
final class InputTensor {
    static final String NAME = "input";
    private static final int SIDE = Images.SIDE;
    private static final int PIXELS = Images.PIXELS;

    /** The supported datatypes, as the protocol spells them. */
    enum Datatype {
        FP32, FP64, UINT8
    }

    private InputTensor() {
    }

    static Images read(List<InferenceRequest.Input> inputs, int maxImages) {
        return read(inputs, null, maxImages);
    }

    /**
     * As {@link #read(List, int)}, for a request of the binary tensor data extension: {@code binary} holds, for
     * each input in order, its bytes from after the JSON header, or null when the input carries JSON {@code data}
     * ({@code binary} itself is null when the request has no binary part).
     */
    static Images read(List<InferenceRequest.Input> inputs, List<ByteBuffer> binary, int maxImages) {
        checkCount(inputs == null ? 0 : inputs.size());
        InferenceRequest.Input input = inputs.get(0);
        String at = "inputs[0]";
        if (input == null) {
            throw invalid(at, "must be a tensor object with name, shape, datatype and data");
        }
        // name and datatype are reported before a malformed shape, as the class contract orders them
        checkName(input.name(), at);
        datatype(input.datatype(), at + ".datatype");
        Header header = header(input.name(), input.datatype(), shape(input.shape(), at + ".shape"), at, maxImages);
        ByteBuffer bytes = binary == null ? null : binary.get(0);
        TensorData data = input.data();
        if (bytes != null) {
            if (data != null) {
                throw invalid(at + ".data", "must be left out when the tensor is sent as binary data"
                        + " (parameters.binary_data_size is set)");
            }
            return fromBytes(header, bytes);
        }
        if (data == null) {
            throw invalid(at + ".data", "required: the tensor elements as a JSON array, or"
                    + " parameters.binary_data_size with the bytes after the JSON header (binary tensor data extension)");
        }
        if (data.read().problem() != null) {
            throw invalid(at + ".data", describe(data.read().problem()));
        }
        checkLayout(data, header.shape(), at + ".data");
        return new Images(pixels(data, header.datatype(), header.shape(), at + ".data"), header.count());
    }

    /**
     * The checked name, datatype and shape of the input tensor, before its elements are read.
     *
     * @param at the tensor's position as the client wrote it, e.g. {@code inputs[0]}
     */
    record Header(Datatype datatype, long[] shape, int count, String at) {
        /** Elements the shape holds (count * 784). */
        int elements() {
            return count * PIXELS;
        }
    }

    /** There must be exactly one input tensor. */
    static void checkCount(int inputs) {
        if (inputs == 0) {
            throw invalid("inputs", "required: send one tensor named \"input\"");
        }
        if (inputs > 1) {
            throw invalid("inputs", "got " + inputs + " tensors; the model takes exactly one, named \"input\"");
        }
    }

    /** Checks the name, datatype and shape every binding sends (JSON, binary, gRPC), in that order. */
    static Header header(String name, String datatype, long[] shape, String at, int maxImages) {
        checkName(name, at);
        Datatype type = datatype(datatype, at + ".datatype");
        checkShape(shape, at + ".shape", maxImages);
        return new Header(type, shape, (int) shape[0], at);
    }

    private static void checkName(String name, String at) {
        if (name == null || name.isEmpty()) {
            throw invalid(at + ".name", "required: the input tensor is named \"input\"");
        }
        if (!NAME.equals(name)) {
            throw invalid(at + ".name", "unknown input \"" + name + "\"; the model has one input, named \"input\"");
        }
    }

    /** Bytes per element of a datatype, as the binary extension and gRPC raw contents send it. */
    static int size(Datatype datatype) {
        return switch (datatype) {
            case FP32 -> Float.BYTES;
            case FP64 -> Double.BYTES;
            case UINT8 -> 1;
        };
    }

    /**
     * Decodes raw little-endian elements (binary tensor data extension, gRPC {@code raw_input_contents}) into
     * pixels without any text parsing. The byte count must be exactly the shape's elements times the
     * datatype's size; FP32 and FP64 values must lie in [0, 1], UINT8 bytes are divided by 255.
     */
    static Images fromBytes(Header header, ByteBuffer bytes) {
        long expected = (long) header.elements() * size(header.datatype());
        if (bytes.remaining() != expected) {
            throw invalid(header.at(), "\"" + NAME + "\" has " + bytes.remaining() + " bytes of binary data, but the shape "
                    + format(header.shape()) + " of " + header.datatype() + " (" + size(header.datatype())
                    + " bytes each) needs " + expected);
        }
        ByteBuffer in = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] pixels = new float[header.elements()];
        switch (header.datatype()) {
            case UINT8 -> {
                for (int i = 0; i < pixels.length; i++) {
                    pixels[i] = (in.get(i) & 0xFF) / 255f;
                }
            }
            case FP32 -> {
                in.asFloatBuffer().get(pixels);
                checkUnit(pixels, header);
            }
            case FP64 -> {
                for (int i = 0; i < pixels.length; i++) {
                    double value = in.getDouble(i * Double.BYTES);
                    checkUnit(value, i, header);
                    pixels[i] = (float) value;
                }
            }
        }
        return new Images(pixels, header.count());
    }

    /** FP32 elements sent as numbers of their own type (gRPC {@code fp32_contents}). */
    static Images fromFloats(Header header, float[] values) {
        checkElementCount(header, values.length);
        checkUnit(values, header);
        return new Images(values, header.count());
    }

    /** FP64 elements sent as numbers of their own type (gRPC {@code fp64_contents}). */
    static Images fromDoubles(Header header, double[] values) {
        checkElementCount(header, values.length);
        float[] pixels = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            checkUnit(values[i], i, header);
            pixels[i] = (float) values[i];
        }
        return new Images(pixels, header.count());
    }

    /** UINT8 elements sent as unsigned integers (gRPC {@code uint_contents}); each must be at most 255. */
    static Images fromUnsigned(Header header, int[] values) {
        checkElementCount(header, values.length);
        float[] pixels = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 255) {
                throw invalid(header.at(), "element " + index(i, header.shape()) + " is " + Integer.toUnsignedString(values[i])
                        + "; UINT8 elements are integers in [0, 255]");
            }
            pixels[i] = values[i] / 255f;
        }
        return new Images(pixels, header.count());
    }

    private static void checkElementCount(Header header, int count) {
        if (count != header.elements()) {
            throw invalid(header.at(), "\"" + NAME + "\" has " + count + " elements, but the shape "
                    + format(header.shape()) + " needs " + header.elements());
        }
    }

    private static void checkUnit(float[] pixels, Header header) {
        for (int i = 0; i < pixels.length; i++) {
            // written so that NaN fails too
            if (!(pixels[i] >= 0f && pixels[i] <= 1f)) {
                checkUnit(pixels[i], i, header);
            }
        }
    }

    private static void checkUnit(double value, int i, Header header) {
        if (!(value >= 0 && value <= 1)) {
            throw invalid(header.at(), "element " + index(i, header.shape()) + " is " + value
                    + ", outside [0, 1]; " + header.datatype() + " pixels are intensities in [0, 1] with 0 = background"
                    + " (send 0..255 values as UINT8)");
        }
    }

    private static Datatype datatype(String datatype, String at) {
        if (datatype == null) {
            throw invalid(at, "required: FP32, FP64 or UINT8");
        }
        for (Datatype candidate : Datatype.values()) {
            if (candidate.name().equals(datatype)) {
                return candidate;
            }
        }
        throw invalid(at, "unsupported datatype \"" + datatype + "\"; use FP32 or FP64 (values in [0, 1])"
                + " or UINT8 (integers 0..255)");
    }

    /** The JSON {@code shape} as numbers, or null when absent (reported by {@link #checkShape}). */
    private static long[] shape(JsonNode node, String at) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw invalid(at, "must be an array of integers such as [1, 784]");
        }
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode dimension = node.get(i);
            if (!dimension.isIntegralNumber() || !dimension.canConvertToLong() || dimension.longValue() < 0) {
                throw invalid(at, "dimension " + i + " is " + dimension + "; dimensions are non-negative integers");
            }
            shape[i] = dimension.longValue();
        }
        return shape;
    }

    private static void checkShape(long[] shape, String at, int maxImages) {
        if (shape == null) {
            throw invalid(at, "required: [N, 784], [N, 28, 28] or [N, 1, 28, 28]");
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw invalid(at, "dimension " + i + " is " + shape[i] + "; dimensions are non-negative integers");
            }
        }
        boolean accepted = switch (shape.length) {
            case 2 -> shape[1] == PIXELS;
            case 3 -> shape[1] == SIDE && shape[2] == SIDE;
            case 4 -> shape[1] == 1 && shape[2] == SIDE && shape[3] == SIDE;
            default -> false;
        };
        if (!accepted) {
            throw invalid(at, "expected [N, 784], [N, 28, 28] or [N, 1, 28, 28] (N images of 28x28 pixels), got "
                    + format(shape));
        }
        if (shape[0] < 1) {
            throw invalid(at, "the batch size N (dimension 0) must be at least 1, got " + shape[0]);
        }
        if (shape[0] > maxImages) {
            throw invalid(at, "N = " + shape[0] + " images is more than the limit of " + maxImages + " per request");
        }
    }

    /** The protocol's wording of a structural problem, with the advice a V2 client needs. */
    private static String describe(NumericArrayReader.Problem problem) {
        return switch (problem.kind()) {
            case NOT_AN_ARRAY -> "must be an array of numbers, flat or nested like the shape";
            case TOO_DEEP -> problem.detail() + "; no accepted shape has more than 4 dimensions";
            case IRREGULAR -> "is not a regular nested array: it " + problem.detail()
                    + "; nest the data exactly like the shape, or send it flat";
            case NOT_A_NUMBER -> problem.detail();
        };
    }

    /** Flat data must hold exactly the shape's elements; nested data must be nested exactly like the shape. */
    private static void checkLayout(TensorData data, long[] shape, String at) {
        int[] nesting = data.read().nesting();
        long expected = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (nesting.length == 1) {
            if (data.count() != expected) {
                throw invalid(at, "has " + data.count() + " elements, but the shape " + format(shape) + " needs "
                        + expected);
            }
            return;
        }
        if (nesting.length != shape.length || !Arrays.equals(Arrays.stream(nesting).asLongStream().toArray(), shape)) {
            throw invalid(at, "is nested as " + format(Arrays.stream(nesting).asLongStream().toArray())
                    + ", which does not match the shape " + format(shape)
                    + "; nest the data exactly like the shape, or send it flat");
        }
    }

    private static float[] pixels(TensorData data, Datatype datatype, long[] shape, String at) {
        float[] values = data.values();
        int count = data.count();
        NumericArrayReader.Result read = data.read();
        if (datatype == Datatype.UINT8) {
            if (read.firstNotByte() >= 0) {
                throw invalid(at, "element " + index(read.firstNotByte(), shape) + " is " + read.notByteText()
                        + "; UINT8 elements are integers in [0, 255]");
            }
            float[] pixels = new float[count];
            for (int i = 0; i < count; i++) {
                pixels[i] = values[i] / 255f;
            }
            return pixels;
        }
        if (read.firstOutsideUnit() >= 0) {
            throw invalid(at, "element " + index(read.firstOutsideUnit(), shape) + " is " + read.outsideUnitText()
                    + ", outside [0, 1]; " + datatype + " pixels are intensities in [0, 1] with 0 = background"
                    + " (send 0..255 values as UINT8)");
        }
        return values;
    }

    /** A flat index as the tensor index a client can find, e.g. {@code [0, 3, 5]}. */
    private static String index(int flat, long[] shape) {
        long[] index = new long[shape.length];
        long rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = rest % shape[d];
            rest /= shape[d];
        }
        return format(index);
    }

    static String format(long[] values) {
        return Arrays.stream(values).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    static InvalidRequestException invalid(String field, String problem) {
        return new InvalidRequestException(String.format(Locale.ROOT, "%s: %s", field, problem),
                List.of(new FieldError(field, problem)));
    }
}
