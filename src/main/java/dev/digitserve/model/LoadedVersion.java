package dev.digitserve.model;

import dev.digitserve.inference.InferenceEngine;
import dev.digitserve.inference.Predictor;

/** One model version in memory, ready to answer: its card, its engine and the predictor in front of it. */
public record LoadedVersion(String name, int version, ModelKind kind, ModelCard card, InferenceEngine engine,
                            Predictor predictor) implements AutoCloseable {

    /** Stops the predictor (which finishes the requests it accepted), then frees the engine. */
    @Override
    public void close() {
        try {
            predictor.close();
        } finally {
            engine.close();
        }
    }
}
