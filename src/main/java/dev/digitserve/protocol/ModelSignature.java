package dev.digitserve.protocol;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.model.LoadedVersion;

/**
 * What a model version looks like through the protocol: its platform string, its one input and its outputs.
 * Every version takes {@code input} (FP32, {@code [-1, 784]}) and answers {@code digit} (INT64, {@code [-1]},
 * the arg-max) plus its 10 class outputs, named after what its engine says they are: {@code probabilities}
 * (the CNN) or raw {@code scores} (the Lasso model), FP32 {@code [-1, 10]}.
 */
record ModelSignature(String platform, String classOutput) {
    static final String DIGIT = "digit";
    private static final String FP32 = "FP32";
    private static final String INT64 = "INT64";
    private static final long BATCH = -1;

    static ModelSignature of(LoadedVersion version) {
        String platform = switch (version.kind()) {
            case CNN -> "deeplearning4j_zip";
            case LASSO -> "digitserve_linear";
        };
        return new ModelSignature(platform, version.classOutput().fieldName());
    }

    /** The output names in the order they are returned when the request selects none. */
    List<String> outputNames() {
        return List.of(classOutput, DIGIT);
    }

    List<ModelMetadata.Tensor> inputs() {
        return List.of(new ModelMetadata.Tensor(InputTensor.NAME, FP32, new long[] {BATCH, Images.PIXELS}));
    }

    List<ModelMetadata.Tensor> outputs() {
        return List.of(new ModelMetadata.Tensor(classOutput, FP32, new long[] {BATCH, InferenceEngine.OUTPUT_SIZE}),
                new ModelMetadata.Tensor(DIGIT, INT64, new long[] {BATCH}));
    }

    /**
     * The outputs a request asks for, in its order; all of them when it names none ({@code outputs}
     * absent or empty).
     *
     * @throws dev.digitserve.request.InvalidRequestException naming the entry that is not an output of this
     *                                                    model, lacks a name, or repeats one
     */
    List<String> select(List<InferenceRequest.Output> requested, String model) {
        if (requested == null || requested.isEmpty()) {
            return outputNames();
        }
        List<String> names = new ArrayList<>(requested.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            String at = "outputs[" + i + "]";
            InferenceRequest.Output output = requested.get(i);
            if (output == null) {
                throw InputTensor.invalid(at, "must be an object with a \"name\"");
            }
            String name = output.name();
            if (name == null) {
                throw InputTensor.invalid(at + ".name", "required: one of " + String.join(", ", outputNames()));
            }
            if (!outputNames().contains(name)) {
                throw InputTensor.invalid(at + ".name", "model '" + model + "' has no output \"" + name
                        + "\"; its outputs are " + String.join(" and ", outputNames()));
            }
            if (!seen.add(name)) {
                throw InputTensor.invalid(at + ".name", "\"" + name + "\" is requested more than once");
            }
            names.add(name);
        }
        return names;
    }

    /**
     * The response tensors for {@code count} images whose engine outputs are {@code outputs}
     * ({@code count * 10} floats, row-major). Names this signature does not produce are skipped: that can
     * only happen when a model's served version changed kind between validation and inference.
     */
    List<InferenceResponse.Output> answer(List<String> names, float[] outputs, int count) {
        List<InferenceResponse.Output> tensors = new ArrayList<>(names.size());
        for (String name : names) {
            if (name.equals(classOutput)) {
                tensors.add(new InferenceResponse.Output(name, FP32,
                        new long[] {count, InferenceEngine.OUTPUT_SIZE}, outputs));
            } else if (name.equals(DIGIT)) {
                long[] digits = new long[count];
                for (int i = 0; i < count; i++) {
                    digits[i] = ClassificationMetrics.argmax(outputs, InferenceEngine.OUTPUT_SIZE, i);
                }
                tensors.add(new InferenceResponse.Output(name, INT64, new long[] {count}, digits));
            }
        }
        return tensors;
    }
}
