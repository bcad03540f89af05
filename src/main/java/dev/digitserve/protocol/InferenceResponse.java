package dev.digitserve.protocol;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * {@code $inference_response}: the model and version that answered, the request's {@code id} (omitted
 * when it sent none) and the requested outputs, in the order requested, each with flat row-major data.
 */
@Schema(name = "InferenceResponse")
@JsonPropertyOrder({"model_name", "model_version", "id", "outputs"})
@JsonInclude(JsonInclude.Include.NON_NULL)
record InferenceResponse(
        @JsonProperty("model_name") @Schema(example = "cnn") String modelName,
        @JsonProperty("model_version") @Schema(example = "1") String modelVersion,
        @Schema(description = "The request's id, if it sent one", example = "42") String id,
        List<Output> outputs) {

    /** {@code $response_output}. */
    @Schema(name = "InferenceResponseOutput")
    @JsonPropertyOrder({"name", "datatype", "shape", "parameters", "data"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Output(
            @Schema(example = "digit") String name,
            @Schema(example = "INT64") String datatype,
            @Schema(example = "[1]") long[] shape,
            @Schema(description = "Only for an output sent as binary data: {\"binary_data_size\": bytes}")
            Map<String, Object> parameters,
            @Schema(implementation = double[].class,
                    description = "The elements, flat, row-major; absent when the output follows as binary data")
            Object data) {

        /** An output with its elements in the JSON. */
        Output(String name, String datatype, long[] shape, Object data) {
            this(name, datatype, shape, null, data);
        }
    }
}
