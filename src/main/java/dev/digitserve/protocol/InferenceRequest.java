package dev.digitserve.protocol;

import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * An Open Inference Protocol inference request ({@code $inference_request}), bound leniently: every field
 * is optional here, and {@link InputTensor} and {@link ModelSignature} check what is required and say
 * which field is wrong. Unknown fields are ignored; of the {@code parameters} only those of the binary tensor
 * data extension are interpreted ({@link BinaryTensorData}).
 */
@Schema(name = "InferenceRequest", description = "Open Inference Protocol inference request")
record InferenceRequest(
        @Schema(description = "Optional request id, echoed in the response", example = "42")
        String id,
        @Schema(description = "Optional request parameters; `binary_data_output: true` returns every output as binary data")
        Map<String, Object> parameters,
        @ArraySchema(minItems = 1, maxItems = 1, arraySchema = @Schema(description = "Exactly one tensor, named `input`"))
        List<Input> inputs,
        @ArraySchema(arraySchema = @Schema(description = "Optional: the outputs to return; absent or empty = every"
                + " output but `embedding`, which is returned only when named"))
        List<Output> outputs) {

    /** {@code $request_input}: one input tensor. */
    @Schema(name = "InferenceRequestInput")
    record Input(
            @Schema(description = "Tensor name; must be `input`", example = "input")
            String name,
            // documented as what it must be; bound as a tree so that 1.5 or "1" is reported, not coerced
            @Schema(implementation = long[].class, description = "[N, 784], [N, 28, 28] or [N, 1, 28, 28]",
                    example = "[1, 784]")
            JsonNode shape,
            @Schema(description = "FP32 or FP64 (values in [0, 1]), or UINT8 (integers 0..255, scaled by 1/255)",
                    allowableValues = {"FP32", "FP64", "UINT8"}, example = "FP32")
            String datatype,
            @Schema(description = "Optional tensor parameters; `binary_data_size: n` = the data follows the JSON header as n bytes")
            Map<String, Object> parameters,
            @Schema(implementation = double[].class,
                    description = "The tensor elements in row-major order, flat or nested exactly like the shape")
            @JsonDeserialize(using = TensorData.Reader.class)
            TensorData data) {
    }

    /** {@code $request_output}: one requested output. */
    @Schema(name = "InferenceRequestOutput")
    record Output(
            @Schema(description = "`probabilities` (CNN) or `scores` (Lasso), `digit` (or `index`), `label`,"
                    + " or `embedding` (CNN: FP32 [N, 128])", example = "digit")
            String name,
            @Schema(description = "Optional output parameters; `binary_data: true` returns this output as binary data")
            Map<String, Object> parameters) {
    }
}
