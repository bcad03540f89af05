package dev.digitserve.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/**
 * The binary tensor data extension of the REST binding (Triton's {@code binary_tensor_data}): a body is a JSON
 * object of {@value #HEADER_LENGTH} bytes followed by raw tensor bytes, little-endian, row-major, in the order
 * of the tensors in the JSON.
 *
 * <p>Requests: an input with {@code "parameters": {"binary_data_size": n}} takes the next {@code n} bytes after
 * the JSON; every byte must be claimed by exactly one input. The bytes are only sliced here, never copied or
 * parsed as text; {@link InputTensor#fromBytes} decodes them. Responses: an output is sent as binary data when
 * its request entry says {@code "binary_data": true}, or, failing that, when the request's parameters say
 * {@code "binary_data_output": true}; it then carries {@code "parameters": {"binary_data_size": n}} and no
 * {@code data}. Stateless; every problem is an {@code InvalidRequestException} naming the parameter.
 */
final class BinaryTensorData {
    /** Request and response header: the length in bytes of the JSON object at the start of the body. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    static final String EXTENSION = "binary_tensor_data";
    static final String BINARY_DATA_SIZE = "binary_data_size";
    static final String BINARY_DATA = "binary_data";
    static final String BINARY_DATA_OUTPUT = "binary_data_output";

    private BinaryTensorData() {
    }

    /**
     * The binary part of each input, in the order of {@code inputs}: a slice of {@code rest} for an input with
     * {@code binary_data_size}, null for an input with JSON data. Null when no input is binary and no bytes
     * follow the JSON.
     */
    static List<ByteBuffer> split(List<InferenceRequest.Input> inputs, ByteBuffer rest) {
        List<ByteBuffer> parts = new ArrayList<>();
        boolean any = false;
        int offset = rest.position();
        for (int i = 0; inputs != null && i < inputs.size(); i++) {
            InferenceRequest.Input input = inputs.get(i);
            Long size = input == null ? null : binaryDataSize(input.parameters(), "inputs[" + i + "]");
            if (size == null) {
                parts.add(null);
                continue;
            }
            any = true;
            String name = input.name() == null ? "" : " (\"" + input.name() + "\")";
            long available = rest.limit() - offset;
            if (size > available) {
                throw InputTensor.invalid("inputs[" + i + "].parameters." + BINARY_DATA_SIZE, "input" + name + " declares "
                        + size + " bytes, but only " + available + " bytes of binary data are left after the JSON header");
            }
            parts.add(rest.duplicate().position(offset).limit(offset + size.intValue()).slice());
            offset += size.intValue();
        }
        if (offset != rest.limit()) {
            throw InputTensor.invalid(HEADER_LENGTH, (rest.limit() - offset) + " bytes follow the JSON header and the"
                    + " binary data the inputs declare (binary_data_size); each byte after the header must belong to"
                    + " an input");
        }
        return any ? parts : null;
    }

    private static Long binaryDataSize(Map<String, Object> parameters, String at) {
        Object size = parameters == null ? null : parameters.get(BINARY_DATA_SIZE);
        if (size == null) {
            return null;
        }
        if (!(size instanceof Integer || size instanceof Long) || ((Number) size).longValue() < 0) {
            throw InputTensor.invalid(at + ".parameters." + BINARY_DATA_SIZE, "must be a non-negative integer (bytes),"
                    + " got " + size);
        }
        return ((Number) size).longValue();
    }

    /**
     * For each of the {@code count} response outputs, whether it is sent as binary data. The response lists the
     * requested outputs in the request's order ({@link ModelSignature#select}), so entry i answers request
     * output i. Checks every flag of the request, whatever {@code count}.
     */
    static boolean[] binaryOutputs(InferenceRequest request, int count) {
        boolean all = flag(request.parameters(), BINARY_DATA_OUTPUT, "parameters");
        boolean[] binary = new boolean[count];
        Arrays.fill(binary, all);
        List<InferenceRequest.Output> requested = request.outputs();
        if (requested == null) {
            return binary;
        }
        for (int i = 0; i < requested.size(); i++) {
            if (requested.get(i) == null) {
                continue; // select() reports it
            }
            Map<String, Object> parameters = requested.get(i).parameters();
            if (parameters != null && parameters.containsKey(BINARY_DATA)) {
                boolean flag = flag(parameters, BINARY_DATA, "outputs[" + i + "].parameters");
                if (i < count) {
                    binary[i] = flag;
                }
            }
        }
        return binary;
    }

    private static boolean flag(Map<String, Object> parameters, String name, String at) {
        Object value = parameters == null ? null : parameters.get(name);
        if (value == null) {
            return false;
        }
        if (!(value instanceof Boolean flag)) {
            throw InputTensor.invalid(at + "." + name, "must be true or false, got " + value);
        }
        return flag;
    }

    /** A response body with binary outputs: the JSON object, then the tensors' bytes. */
    record Body(byte[] bytes, int headerLength) {
    }

    /**
     * The response with the flagged outputs moved after the JSON as bytes; null when none is flagged (the
     * response is then plain JSON).
     */
    static Body encode(InferenceResponse response, boolean[] binary, JsonMapper json) {
        boolean any = false;
        for (boolean b : binary) {
            any |= b;
        }
        if (!any) {
            return null;
        }
        List<InferenceResponse.Output> outputs = new ArrayList<>(response.outputs().size());
        List<byte[]> tensors = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < response.outputs().size(); i++) {
            InferenceResponse.Output output = response.outputs().get(i);
            if (!binary[i]) {
                outputs.add(output);
                continue;
            }
            byte[] bytes = bytes(output.data());
            tensors.add(bytes);
            total += bytes.length;
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put(BINARY_DATA_SIZE, bytes.length);
            outputs.add(new InferenceResponse.Output(output.name(), output.datatype(), output.shape(), parameters, null));
        }
        byte[] header = json.writeValueAsBytes(new InferenceResponse(response.modelName(), response.modelVersion(),
                response.id(), outputs));
        ByteBuffer body = ByteBuffer.allocate(header.length + total).put(header);
        tensors.forEach(body::put);
        return new Body(body.array(), header.length);
    }

    /** The elements of an output as little-endian bytes: FP32 as 4 bytes each, INT64 as 8. */
    static byte[] bytes(Object data) {
        if (data instanceof float[] floats) {
            ByteBuffer buffer = ByteBuffer.allocate(floats.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(floats);
            return buffer.array();
        }
        if (data instanceof long[] longs) {
            ByteBuffer buffer = ByteBuffer.allocate(longs.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asLongBuffer().put(longs);
            return buffer.array();
        }
        if (data instanceof String[] strings) {
            // BYTES, as the protocol serialises it: each element a 4-byte little-endian length, then its bytes
            byte[][] encoded = new byte[strings.length][];
            int size = 0;
            for (int i = 0; i < strings.length; i++) {
                encoded[i] = strings[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                size += Integer.BYTES + encoded[i].length;
            }
            ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
            for (byte[] element : encoded) {
                buffer.putInt(element.length).put(element);
            }
            return buffer.array();
        }
        throw new IllegalArgumentException("no binary form for " + (data == null ? "null" : data.getClass().getSimpleName()));
    }
}
