package dev.digitserve.model;

import dev.digitserve.batching.DynamicBatcher;
import dev.digitserve.inference.InferenceEngine;

/**
 * One model version in memory, ready to answer: its card, its engine and the dynamic batcher in front of it.
 * Requests reach the engine only through the batcher.
 */
public record LoadedVersion(String name, int version, ModelKind kind, ModelCard card, InferenceEngine engine,
                            DynamicBatcher batcher) implements AutoCloseable {

    /** What the outputs mean (probabilities or scores): the engine's word, the one source both APIs use. */
    public InferenceEngine.ClassOutput classOutput() {
        return engine.classOutput();
    }

    /** Stops the batcher (which finishes the requests it accepted), then frees the engine. */
    @Override
    public void close() {
        try {
            batcher.close();
        } finally {
            engine.close();
        }
    }
}
