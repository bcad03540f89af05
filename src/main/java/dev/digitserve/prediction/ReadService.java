package dev.digitserve.prediction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.stereotype.Service;

import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.image.NumberImageReader;
import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.model.LoadedVersion;
import dev.digitserve.model.ModelResolver;

/**
 * Reads a number: all digits of one picture go to the model as one request (one batch, or part of one
 * shared with other requests), and the answer keeps their left-to-right order. Non-blocking: the future
 * completes on the batcher's thread; errors are those of {@link ModelResolver#submit}. Each symbol is named by
 * the model's label for it ("0".."9" for the digit models, a fine-tuned model's own labels otherwise); the text
 * is those labels concatenated.
 */
@Service
public class ReadService {
    private final ModelResolver resolver;

    public ReadService(ModelResolver resolver) {
        this.resolver = resolver;
    }

    /** @param version null for the served version; @param timeout null for the configured default */
    public CompletableFuture<ReadResponse> read(String model, Integer version, NumberImageReader.Digits digits,
                                                Duration timeout) {
        return resolver.submit(model, version, new Images(digits.pixels(), digits.count()), timeout)
                .thenApply(answer -> toResponse(answer, digits));
    }

    private static ReadResponse toResponse(ModelResolver.Answer answer, NumberImageReader.Digits digits) {
        LoadedVersion version = answer.version();
        float[] outputs = answer.outputs();
        // a fine-tuned model has its own classes: one output per label, and the label (not the index) is what is read
        int classes = version.engine().classes();
        List<String> labels = version.labels();
        boolean probabilities = answer.classOutput() == InferenceEngine.ClassOutput.PROBABILITIES;
        int[] chosen = digits.choose(outputs, classes, probabilities);
        StringBuilder text = new StringBuilder(chosen.length);
        List<ReadResponse.Digit> read = new ArrayList<>(chosen.length);
        for (int i : chosen) {
            int index = ClassificationMetrics.argmax(outputs, classes, i);
            float value = outputs[i * classes + index];
            String label = labels.get(index);
            text.append(label);
            read.add(new ReadResponse.Digit(label, probabilities ? value : null, probabilities ? null : value,
                    digits.boxes().get(i)));
        }
        return new ReadResponse(version.name(), version.version(), text.toString(), read);
    }
}
