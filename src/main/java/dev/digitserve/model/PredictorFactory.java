package dev.digitserve.model;

import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.inference.Predictor;

/** Puts a predictor (the dynamic batcher) in front of a freshly loaded engine. */
@FunctionalInterface
public interface PredictorFactory {
    Predictor create(String model, int version, InferenceEngine engine);
}
