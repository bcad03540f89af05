package dev.digitserve.prediction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.stereotype.Service;

import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.inference.Images;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.model.ModelResolver;

/**
 * Submits images through the shared prediction path ({@link ModelResolver}) and shapes the v1 answer. Never
 * blocks; client errors are thrown synchronously, the batcher's refusals fail the future.
 */
@Service
class PredictionService {
    private final ModelResolver resolver;

    PredictionService(ModelResolver resolver) {
        this.resolver = resolver;
    }

    /** @param version null for the served version; @param timeout null for the configured default */
    CompletableFuture<PredictionResponse> predict(String model, Integer version, Images images, Duration timeout) {
        return resolver.submit(model, version, images, timeout).thenApply(PredictionService::toResponse);
    }

    private static PredictionResponse toResponse(ModelResolver.Answer answer) {
        int classes = answer.version().engine().classes();
        List<String> labels = answer.version().labels();
        float[] outputs = answer.outputs();
        boolean probabilities = answer.classOutput() == InferenceEngine.ClassOutput.PROBABILITIES;
        List<PredictionResponse.Prediction> predictions = new ArrayList<>(answer.count());
        for (int i = 0; i < answer.count(); i++) {
            float[] row = Arrays.copyOfRange(outputs, i * classes, (i + 1) * classes);
            int index = ClassificationMetrics.argmax(outputs, classes, i);
            String label = labels.get(index);
            Integer digit = label.length() == 1 && Character.isDigit(label.charAt(0)) ? Integer.valueOf(label) : null;
            predictions.add(probabilities ? new PredictionResponse.Prediction(label, index, digit, row, null)
                    : new PredictionResponse.Prediction(label, index, digit, null, row));
        }
        return new PredictionResponse(answer.version().name(), answer.version().version(), predictions);
    }
}
