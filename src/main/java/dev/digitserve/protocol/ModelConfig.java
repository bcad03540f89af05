package dev.digitserve.protocol;

import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import dev.digitserve.batching.BatchingSettings;
import dev.digitserve.model.LoadedVersion;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * A model version's configuration in the shape of Triton's model configuration extension
 * ({@code GET /v2/models/{name}/config}, what {@code get_model_config} and Triton tooling read), as far as it
 * applies: dims exclude the batch dimension (Triton's rule when {@code max_batch_size > 0});
 * {@code max_batch_size} is the most images one request may carry; {@code dynamic_batching} shows the version's
 * batcher: its largest batch as the preferred size and its queue delay in microseconds; {@code instance_group}
 * its CPU workers. A per-image scalar ({@code digit}) is Triton's {@code dims: [1]} with an empty reshape.
 */
@Schema(name = "ModelConfigResponse")
@JsonPropertyOrder({"name", "platform", "backend", "max_batch_size", "input", "output", "dynamic_batching",
        "instance_group"})
record ModelConfig(
        @Schema(example = "cnn") String name,
        @Schema(example = "deeplearning4j_zip") String platform,
        @Schema(example = "digitserve") String backend,
        @JsonProperty("max_batch_size") @Schema(example = "1024") int maxBatchSize,
        List<Tensor> input,
        List<Tensor> output,
        @JsonProperty("dynamic_batching") DynamicBatching dynamicBatching,
        @JsonProperty("instance_group") List<InstanceGroup> instanceGroup) {

    @Schema(name = "ModelConfigTensor")
    @JsonPropertyOrder({"name", "data_type", "dims", "reshape"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Tensor(@Schema(example = "input") String name,
                  @JsonProperty("data_type") @Schema(example = "TYPE_FP32") String dataType,
                  @Schema(example = "[784]") long[] dims,
                  Reshape reshape) {
    }

    @Schema(name = "ModelConfigReshape")
    record Reshape(long[] shape) {
    }

    @Schema(name = "ModelConfigDynamicBatching")
    record DynamicBatching(@JsonProperty("preferred_batch_size") @Schema(example = "[64]") List<Integer> preferredBatchSize,
                           @JsonProperty("max_queue_delay_microseconds") @Schema(example = "2000") long maxQueueDelayMicroseconds) {
    }

    @Schema(name = "ModelConfigInstanceGroup")
    record InstanceGroup(@Schema(example = "KIND_CPU") String kind, @Schema(example = "1") int count) {
    }

    static ModelConfig of(LoadedVersion version, int maxImages) {
        ModelSignature signature = ModelSignature.of(version);
        BatchingSettings batching = version.batcher().settings();
        return new ModelConfig(version.name(), signature.platform(), OpenInferenceController.SERVER_NAME, maxImages,
                tensors(signature.inputs()), tensors(signature.outputs()),
                new DynamicBatching(List.of(batching.maxBatchSize()), batching.maxQueueDelay().toNanos() / 1000),
                List.of(new InstanceGroup("KIND_CPU", batching.workers())));
    }

    private static List<Tensor> tensors(List<ModelMetadata.Tensor> tensors) {
        return tensors.stream().map(tensor -> {
            long[] dims = Arrays.copyOfRange(tensor.shape(), 1, tensor.shape().length);
            return dims.length == 0
                    ? new Tensor(tensor.name(), "TYPE_" + tensor.datatype(), new long[] {1}, new Reshape(new long[0]))
                    : new Tensor(tensor.name(), "TYPE_" + tensor.datatype(), dims, null);
        }).toList();
    }
}
