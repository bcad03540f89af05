package dev.digitserve.protocol;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.inference.Images;
import dev.digitserve.model.LoadedVersion;

/**
 * What a model version looks like through the protocol: its platform string, its one input and its outputs.
 * Every version takes {@code input} (FP32, {@code [-1, 784]}) and answers its class outputs, named after what
 * its engine says they are: {@code probabilities} (the CNN) or raw {@code scores} (the Lasso model), FP32
 * {@code [-1, classes]}; then the arg-max as INT64 {@code [-1]}: {@code digit} for digit models (labels "0".."9",
 * index = digit), {@code index} for models with other labels (a tensor always means one thing); then
 * {@code label} (BYTES, {@code [-1]}), the arg-max's label.
 */
record ModelSignature(String platform, String classOutput, int classes, List<String> labels, String argmaxOutput) {
    static final String DIGIT = "digit";
    static final String INDEX = "index";
    static final String LABEL = "label";
    private static final String FP32 = "FP32";
    private static final String INT64 = "INT64";
    private static final String BYTES = "BYTES";
    private static final long BATCH = -1;

    static ModelSignature of(LoadedVersion version) {
        String platform = switch (version.kind()) {
            case CNN -> "deeplearning4j_zip";
            case LASSO -> "digitserve_linear";
        };
        return new ModelSignature(platform, version.classOutput().fieldName(), version.engine().classes(),
                version.labels(), version.isDigitModel() ? DIGIT : INDEX);
    }

    /** The output names in the order they are returned when the request selects none. */
    List<String> outputNames() {
        return List.of(classOutput, argmaxOutput, LABEL);
    }

    List<ModelMetadata.Tensor> inputs() {
        return List.of(new ModelMetadata.Tensor(InputTensor.NAME, FP32, new long[] {BATCH, Images.PIXELS}));
    }

    List<ModelMetadata.Tensor> outputs() {
        return List.of(new ModelMetadata.Tensor(classOutput, FP32, new long[] {BATCH, classes}),
                new ModelMetadata.Tensor(argmaxOutput, INT64, new long[] {BATCH}),
                new ModelMetadata.Tensor(LABEL, BYTES, new long[] {BATCH}));
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
                        + "\"; its outputs are " + String.join(", ", outputNames()));
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
     * ({@code count * classes} floats, row-major). Names this signature does not produce are skipped: that can
     * only happen when a model's served version changed kind between validation and inference.
     */
    List<InferenceResponse.Output> answer(List<String> names, float[] outputs, int count) {
        List<InferenceResponse.Output> tensors = new ArrayList<>(names.size());
        for (String name : names) {
            if (name.equals(classOutput)) {
                tensors.add(new InferenceResponse.Output(name, FP32, new long[] {count, classes}, outputs));
            } else if (name.equals(argmaxOutput)) {
                long[] indices = new long[count];
                for (int i = 0; i < count; i++) {
                    indices[i] = ClassificationMetrics.argmax(outputs, classes, i);
                }
                tensors.add(new InferenceResponse.Output(name, INT64, new long[] {count}, indices));
            } else if (name.equals(LABEL)) {
                String[] predicted = new String[count];
                for (int i = 0; i < count; i++) {
                    predicted[i] = labels.get(ClassificationMetrics.argmax(outputs, classes, i));
                }
                tensors.add(new InferenceResponse.Output(name, BYTES, new long[] {count}, predicted));
            }
        }
        return tensors;
    }
}
