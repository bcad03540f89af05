package dev.digitserve.model;

import dev.digitserve.batching.DynamicBatcher;
import dev.digitserve.inference.InferenceEngine;

/**
 * One model version in memory, ready to answer: its card, its engine, the dynamic batcher in front of it and its
 * {@link Residency} (estimated memory, last use, requests inside). Requests reach the engine only through the
 * batcher, admitted by the residency ({@link ModelResolver} does both).
 */
public record LoadedVersion(String name, int version, ModelKind kind, ModelCard card, InferenceEngine engine,
                            DynamicBatcher batcher, Residency residency) implements AutoCloseable {

    /** What the outputs mean (probabilities or scores): the engine's word, the one source both APIs use. */
    public InferenceEngine.ClassOutput classOutput() {
        return engine.classOutput();
    }

    /** The classes in output order ("0".."9" for the digit models). */
    public java.util.List<String> labels() {
        return card.labelsOrDigits();
    }

    /** True when the classes are exactly the digits 0..9, index = digit. */
    public boolean isDigitModel() {
        return ModelCard.DIGITS.equals(labels());
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
