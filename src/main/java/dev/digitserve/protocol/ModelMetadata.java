package dev.digitserve.protocol;

import java.util.List;

import dev.digitserve.model.LoadedVersion;
import dev.digitserve.model.ModelRegistry;
import dev.digitserve.model.ModelStatus;
import dev.digitserve.model.VersionState;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * {@code $metadata_model_response}: a model's name, requestable versions, platform and tensors, plus (an
 * extension the protocol allows) its labels.
 */
@Schema(name = "ModelMetadataResponse")
record ModelMetadata(
        @Schema(example = "cnn") String name,
        @Schema(description = "Versions that can be requested explicitly (the loaded ones), ascending",
                example = "[\"1\"]") List<String> versions,
        @Schema(description = "`deeplearning4j_zip` (CNN) or `digitserve_linear` (Lasso)",
                example = "deeplearning4j_zip") String platform,
        List<Tensor> inputs,
        List<Tensor> outputs,
        @Schema(description = "digitserve extension: the model's classes in output order (index = position)",
                example = "[\"0\", \"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\", \"9\"]")
        List<String> labels) {

    /** {@code $metadata_tensor}; -1 marks the batch dimension. */
    @Schema(name = "MetadataTensor")
    record Tensor(@Schema(example = "input") String name,
                  @Schema(example = "FP32") String datatype,
                  @Schema(example = "[-1, 784]") long[] shape) {
    }

    /** The metadata of a loaded version; {@code versions} lists the model's loaded versions. */
    static ModelMetadata of(LoadedVersion version, ModelRegistry registry) {
        List<String> versions = registry.status(version.name()).map(ModelStatus::versions).orElse(List.of()).stream()
                .filter(v -> v.state() == VersionState.LOADED)
                .map(v -> Integer.toString(v.version()))
                .toList();
        ModelSignature signature = ModelSignature.of(version);
        return new ModelMetadata(version.name(), versions, signature.platform(), signature.inputs(), signature.outputs(),
                signature.labels());
    }
}
