package dev.digitserve.prediction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.springframework.stereotype.Service;

import dev.digitserve.evaluation.ClassificationMetrics;
import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.model.LoadedVersion;
import dev.digitserve.model.ModelResolver;

/** Resolves the model version, hands the images to its predictor and shapes the answer. */
@Service
public class PredictionService {
    private final ModelResolver resolver;

    public PredictionService(ModelResolver resolver) {
        this.resolver = resolver;
    }

    /** @param version null for the served version; @param timeout null for the configured default */
    public CompletableFuture<PredictionResponse> predict(String model, Integer version, Instances instances,
                                                         Duration timeout) {
        return resolver.submit(model, version, instances.pixels(), instances.count(), timeout)
                .thenApply(answer -> toResponse(answer.version(), answer.outputs(), instances.count()));
    }

    private static PredictionResponse toResponse(LoadedVersion version, float[] outputs, int count) {
        int classes = InferenceEngine.OUTPUT_SIZE;
        boolean probabilities = version.engine().outputsProbabilities();
        List<PredictionResponse.Prediction> predictions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float[] row = Arrays.copyOfRange(outputs, i * classes, (i + 1) * classes);
            int digit = ClassificationMetrics.argmax(outputs, classes, i);
            predictions.add(probabilities ? new PredictionResponse.Prediction(digit, row, null)
                    : new PredictionResponse.Prediction(digit, null, row));
        }
        return new PredictionResponse(version.name(), version.version(), predictions);
    }
}
