package dev.digitserve.protocol;

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
 * flat with exactly the shape's element count, or nested exactly like the shape. Strings are
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
        if (inputs == null || inputs.isEmpty()) {
            throw invalid("inputs", "required: send one tensor named \"input\"");
        }
        if (inputs.size() > 1) {
            throw invalid("inputs", "got " + inputs.size() + " tensors; the model takes exactly one, named \"input\"");
        }
        InferenceRequest.Input input = inputs.get(0);
        String at = "inputs[0]";
        if (input == null) {
            throw invalid(at, "must be a tensor object with name, shape, datatype and data");
        }
        if (input.name() == null) {
            throw invalid(at + ".name", "required: the input tensor is named \"input\"");
        }
        if (!NAME.equals(input.name())) {
            throw invalid(at + ".name", "unknown input \"" + input.name() + "\"; the model has one input, named \"input\"");
        }
        Datatype datatype = datatype(input.datatype(), at + ".datatype");
        long[] shape = shape(input.shape(), at + ".shape", maxImages);
        int count = (int) shape[0];
        TensorData data = input.data();
        if (data == null) {
            throw invalid(at + ".data", "required: the tensor elements as a JSON array"
                    + " (the binary tensor data extension is not supported)");
        }
        if (data.read().problem() != null) {
            throw invalid(at + ".data", describe(data.read().problem()));
        }
        checkLayout(data, shape, at + ".data");
        return new Images(pixels(data, datatype, shape, at + ".data"), count);
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

    private static long[] shape(JsonNode node, String at, int maxImages) {
        if (node == null || node.isNull()) {
            throw invalid(at, "required: [N, 784], [N, 28, 28] or [N, 1, 28, 28]");
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
        return shape;
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
