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
 * {@code label} (BYTES, {@code [-1]}), the arg-max's label. Versions with an embedding (the CNN kinds) also offer
 * {@code embedding} (FP32 {@code [-1, 128]}), computed in the same forward pass, but only to requests that name
 * it: a request without {@code outputs} gets the class outputs as before, so its answer and its cost stay what they
 * were for clients that never heard of embeddings.
 */
record ModelSignature(String platform, String classOutput, int classes, List<String> labels, String argmaxOutput,
                      int embeddingSize) {
    static final String DIGIT = "digit";
    static final String EMBEDDING = "embedding";
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
                version.labels(), version.isDigitModel() ? DIGIT : INDEX, version.engine().embeddingSize());
    }

    /** The output names in the order they are returned when the request selects none. */
    List<String> outputNames() {
        return List.of(classOutput, argmaxOutput, LABEL);
    }

    /** Every output a request may name: the default ones, then {@code embedding} when the version has one. */
    List<String> selectableNames() {
        return embeddingSize > 0 ? List.of(classOutput, argmaxOutput, LABEL, EMBEDDING) : outputNames();
    }

    /** Whether the selected outputs (as {@link #select} returned them) need the embedding computed. */
    static boolean needsEmbedding(List<String> selected) {
        return selected.contains(EMBEDDING);
    }

    List<ModelMetadata.Tensor> inputs() {
        return List.of(new ModelMetadata.Tensor(InputTensor.NAME, FP32, new long[] {BATCH, Images.PIXELS}));
    }

    List<ModelMetadata.Tensor> outputs() {
        List<ModelMetadata.Tensor> outputs = new ArrayList<>(List.of(
                new ModelMetadata.Tensor(classOutput, FP32, new long[] {BATCH, classes}),
                new ModelMetadata.Tensor(argmaxOutput, INT64, new long[] {BATCH}),
                new ModelMetadata.Tensor(LABEL, BYTES, new long[] {BATCH})));
        if (embeddingSize > 0) {
            outputs.add(new ModelMetadata.Tensor(EMBEDDING, FP32, new long[] {BATCH, embeddingSize}));
        }
        return List.copyOf(outputs);
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
                throw InputTensor.invalid(at + ".name", "required: one of " + String.join(", ", selectableNames()));
            }
            if (EMBEDDING.equals(name) && embeddingSize == 0) {
                throw InputTensor.invalid(at + ".name", "model '" + model + "' has no output \"embedding\": it is a "
                        + platform + " model without an embedding (only CNN models have one, the activations of the"
                        + " dense layer before the output layer); its outputs are " + String.join(", ", outputNames()));
            }
            if (!selectableNames().contains(name)) {
                throw InputTensor.invalid(at + ".name", "model '" + model + "' has no output \"" + name
                        + "\"; its outputs are " + String.join(", ", selectableNames()));
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
        return answer(names, outputs, null, count);
    }

    /** As {@link #answer(List, float[], int)}, with the embeddings ({@code count * embeddingSize}) or null. */
    List<InferenceResponse.Output> answer(List<String> names, float[] outputs, float[] embeddings, int count) {
        List<InferenceResponse.Output> tensors = new ArrayList<>(names.size());
        for (String name : names) {
            if (name.equals(EMBEDDING)) {
                if (embeddings != null) {
                    tensors.add(new InferenceResponse.Output(name, FP32, new long[] {count, embeddings.length / count},
                            embeddings));
                }
            } else if (name.equals(classOutput)) {
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
